"""The one progress message per turn a chat client shows, updated in place as steps move."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage

from state.ledger import read_ledger
from state.records import merge_records
from state.stops import STOPPED
from state.text import clipped

PROGRESS = "orchestra-progress"
STATUS_WORDS = {
    "waiting": "waiting",
    "running": "running",
    "needs_review": "waiting for your approval",
    "done": "done",
    "failed": "failed",
    "reused": "reused an earlier report",
    "dropped": "dropped",
    "superseded": "superseded",
    "cancelled": "cancelled",
    "drained": "drained",
}


def progress_id(turn: int) -> str:
    """Return the message id of a turn's progress message (the same id replaces it)."""
    return f"{PROGRESS}-{turn}"


def is_progress(message: AnyMessage) -> bool:
    """Return True for a progress message: for the reader, never for the planner's history."""
    return message.name == PROGRESS


def progress_message(
    state: Mapping[str, Any],
    ledger_updates: Mapping[str, dict[str, Any]] | None = None,
    *,
    turn: int | None = None,
    note: str = "",
) -> list[AIMessage]:
    """Return this turn's progress message, the ledger as it is after `ledger_updates`."""
    turn = state.get("turn", 0) if turn is None else turn
    ledger = merge_records(state.get("ledger", {}), dict(ledger_updates or {}))
    steps = [r for r in read_ledger(ledger).values() if r.turn == turn and r.status != "dropped"]
    if not steps:
        return []
    lines = [f"Plan ({len(steps)} step{'s' if len(steps) != 1 else ''}):"]
    for number, rec in enumerate(steps, 1):
        word = STATUS_WORDS[rec.status]
        if rec.status == "running" and rec.attempts > 1:
            word += f" (attempt {rec.attempts})"
        line = f"{number}. {rec.id} · {rec.specialist}: {rec.objective} — {word}"
        if rec.status == "failed" and rec.error:
            line += f": {clipped(rec.error, 200)}"
        elif rec.status in STOPPED and rec.stops:
            # When and why it stopped: a new message, a cancel, a drain.
            line += f" at {rec.stops[-1]['at']} ({rec.stops[-1]['why']})"
        lines.append(line)
    if note:
        lines.append(note)
    return [AIMessage(content="\n".join(lines), id=progress_id(turn), name=PROGRESS)]


def question_of(messages: list[AnyMessage]) -> str:
    """Return the user's latest question (progress messages may follow it)."""
    return next((m.text for m in reversed(messages) if m.type == "human"), "")


def conversation(messages: list[AnyMessage]) -> list[AnyMessage]:
    """Return what was said: questions and answers, without progress messages."""
    return [m for m in messages if m.type in ("human", "ai") and m.text and not is_progress(m)]
