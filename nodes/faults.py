"""Which faults are transient: worth retrying on the node that met them."""

from __future__ import annotations

import asyncio

import httpx
import openai


def is_transient(exc: BaseException) -> bool:
    """Return True for faults worth retrying: time-outs, 429, 5xx, dropped connections."""
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    if isinstance(exc, openai.APIConnectionError | openai.APITimeoutError):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    if isinstance(exc, httpx.TransportError | asyncio.TimeoutError):
        return True
    return isinstance(exc, ConnectionError | TimeoutError)
