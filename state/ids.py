"""Identifiers are data, never paths: the patterns step and thread ids must match."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

STEP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
THREAD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def _refused(kind: str, text: str, pattern: re.Pattern[str], rule: str) -> str | None:
    """Return why an id of a kind does not match its pattern, or None when it does."""
    if pattern.fullmatch(text):
        return None
    return f"{kind} id {text[:60]!r} must be {rule}, starting with a letter or digit"


def bad_step_id(step_id: str) -> str | None:
    """Return why a step id is not allowed, or None when it is."""
    return _refused("step", step_id, STEP_ID, "1-40 letters, digits, '-' or '_'")


def bad_thread_id(thread_id: str) -> str | None:
    """Return why a thread id is not allowed, or None when it is."""
    return _refused("thread", thread_id, THREAD_ID, "1-128 letters, digits, '-', '_', '.' or ':'")


def entry_name(name: str) -> str:
    """Return a name a team file gives (a specialist's, a guardrail's), refusing one not an id."""
    if not STEP_ID.fullmatch(name):
        raise ValueError(f"name {name!r} must be letters, digits, '-' or '_' (at most 40)")
    return name


# The type of such a name in the team file's models.
EntryName = Annotated[str, AfterValidator(entry_name)]
