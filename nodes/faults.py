"""Which faults are transient: worth retrying on the node that met them."""

from __future__ import annotations

import asyncio
import re

import httpx
import openai


def is_transient(exc: BaseException) -> bool:
    """Return True for faults worth retrying: time-outs, 429, 5xx, dropped connections.

    A fault that wraps another (an MCP tool's error, a task group's) is judged by what it wraps.
    """
    if isinstance(exc, BaseExceptionGroup):
        return any(is_transient(inner) for inner in exc.exceptions)
    if exc.__cause__ is not None and is_transient(exc.__cause__):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    if isinstance(exc, openai.APIConnectionError | openai.APITimeoutError):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    if isinstance(exc, httpx.TransportError | asyncio.TimeoutError):
        return True
    return isinstance(exc, ConnectionError | TimeoutError)


def fault_words(exc: BaseException) -> str:
    """Return what a failed attempt met, as a notice says it: 'a 120 s time-out', 'HTTP 429'."""
    seconds = getattr(exc, "seconds", None)
    if isinstance(exc, TimeoutError) and seconds is not None:
        return f"a {seconds:g} s time-out"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code} from the model server"
    if isinstance(exc, openai.APITimeoutError | asyncio.TimeoutError | TimeoutError):
        return "a time-out"
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError | ConnectionError):
        return "a dropped connection"
    return exception_line(exc)


def exception_line(exc: BaseException) -> str:
    """Return a failure in one line: its kind and the first line of its message."""
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


# What changes between two occurrences of the same failure: never part of its identity.
_VOLATILE = [
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<addr>"),
    (re.compile(r"\b[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b"), "<id>"),
    (re.compile(r"\b(req|call|chatcmpl|run|msg)[-_](?=[\w-]*\d)[\w-]+"), r"\1-<id>"),
    (re.compile(r"\b[0-9a-f]{16,}\b"), "<id>"),
    (re.compile(r"\b\d+(\.\d+)?\s*(ms|s|sec|secs|seconds?)\b"), "<time>"),
    (re.compile(r"\b\d{4}-\d\d-\d\dT[\d:.]+Z?\b"), "<when>"),
]


def failure_signature(error: str | None) -> str:
    """Return a failure's kind and message without timings, ids or addresses."""
    text = " ".join(str(error or "").split())
    for pattern, stand_in in _VOLATILE:
        text = pattern.sub(stand_in, text)
    return text.lower()
