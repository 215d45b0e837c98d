"""Identifiers are data, never paths: the patterns step and thread ids must match."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

STEP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
THREAD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def bad_step_id(step_id: str) -> str | None:
    """Return why a step id is not allowed, or None when it is."""
    if STEP_ID.fullmatch(step_id):
        return None
    return (
        f"step id {step_id[:60]!r} must be 1-40 letters, digits, '-' or '_', "
        "starting with a letter or digit"
    )


def bad_thread_id(thread_id: str) -> str | None:
    """Return why a thread id is not allowed, or None when it is."""
    if THREAD_ID.fullmatch(thread_id):
        return None
    return (
        f"thread id {thread_id[:60]!r} must be 1-128 letters, digits, '-', '_', '.' or ':', "
        "starting with a letter or digit"
    )


def entry_name(name: str) -> str:
    """Return a name a team file gives (a specialist's, a guardrail's), refusing one not an id."""
    if not STEP_ID.fullmatch(name):
        raise ValueError(f"name {name!r} must be letters, digits, '-' or '_' (at most 40)")
    return name


# The type of such a name in the team file's models.
EntryName = Annotated[str, AfterValidator(entry_name)]
