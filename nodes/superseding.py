"""A new message on a thread whose last turn did not finish: that turn is settled first.

With LangGraph, new input on a thread stopped at an interrupt (or cancelled, drained, killed)
starts a new run at START and drops the tasks that were pending, so the request that waited
is never answered. The plan node settles it here, before any model call: a waiting approval
is rejected with the user's message (LangChain's `reject` with `message`), a waiting plan's
steps are superseded, steps whose run stopped under them are cancelled (or drained); nothing
is run or written, and the planner is told in the rolling summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

from langchain_core.messages import AnyMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.runnables.config import merge_configs
from langgraph.types import Command

from nodes.dispatch import Launch
from nodes.guards.at_plan import is_continuing
from nodes.guards.screen import ASK_PREFIX
from nodes.leftovers import (
    OPEN,
    Leftovers,
    aread_leftovers,
    read_leftovers,
    settle_step,
    unsettled_keys,
)
from nodes.progress import is_progress, progress_message
from state.archive import Archive
from state.graph_state import OrchestraState
from state.ledger import read_ledger
from state.records import merge_records
from state.stops import now, superseded_by

QUESTION_CHARS = 200


def questions(messages: list[AnyMessage]) -> list[AnyMessage]:
    """Return the user's messages since the last answer (progress messages are not answers)."""
    since: list[AnyMessage] = []
    for message in messages:
        if message.type == "human":
            since.append(message)
        elif message.type == "ai" and not is_progress(message):
            since = []
    return since


def is_new_turn(state: OrchestraState) -> bool:
    """Return True when the plan node starts a turn: the latest question is not the turn's."""
    asked = questions(list(state.get("messages", [])))
    if "asked" in state:
        return bool(asked) and asked[-1].id != state["asked"]
    return not is_continuing(state)  # a thread from before turns recorded their question


@dataclass
class Settled:
    """The last turn settled: the state the planner reads, and what the plan node writes."""

    state: OrchestraState
    update: dict[str, Any] = field(default_factory=dict)
    # Steps whose stop records the Archive can forget: their turn is over.
    closed: list[str] = field(default_factory=list)
    # Reports the Archive keeps again, superseded as their records are.
    refiled: dict[str, dict[str, Any]] = field(default_factory=dict)


def leftovers(archive: Archive, state: OrchestraState) -> Leftovers:
    """Return what the Archive holds of a stopped run's steps, for a new turn (sync face)."""
    keys = unsettled_keys(state) if is_new_turn(state) else []
    return read_leftovers(archive, keys) if keys else Leftovers()


async def aleftovers(archive: Archive, state: OrchestraState) -> Leftovers:
    """Return what the Archive holds of a stopped run's steps, for a new turn (async face)."""
    keys = unsettled_keys(state) if is_new_turn(state) else []
    return await aread_leftovers(archive, keys) if keys else Leftovers()


def settle(state: OrchestraState, found: Leftovers, config: RunnableConfig) -> Settled:
    """Settle what the last turn left open, for a new turn's first plan call."""
    messages = list(state.get("messages", []))
    asked = questions(messages)
    newest = asked[-1] if asked else None
    update: dict[str, Any] = {"asked": newest.id} if newest is not None else {}
    unfinished = state.get("status") == "running" and bool(state.get("turn"))
    left = [m for m in asked[:-1] if m.id != state.get("asked")] if unfinished else asked[:-1]
    if newest is None or not (unfinished or left):
        return Settled(state, update)
    why = superseded_by(newest.text)
    at = now()
    turn = state.get("turn", 0)
    ledger = read_ledger(state.get("ledger", {}))
    cards = state.get("reports", {})
    changes: dict[str, dict[str, Any]] = {}
    partial: dict[str, dict[str, Any]] = {}
    closed: list[str] = []
    refiled: dict[str, dict[str, Any]] = {}
    for rec in ledger.values() if unfinished else ():
        if rec.status not in OPEN:
            continue
        card = cards.get(rec.key)
        began = state.get("turn_started_at") or 0.0
        settling = settle_step(rec, found, card, newest.text, why, at, began)
        changes[rec.key] = settling.change
        if settling.card is not None:
            partial[rec.key] = settling.card
        closed += [rec.key] if settling.closed else []
        if settling.refiled is not None:
            refiled[rec.key] = settling.refiled
    view: dict[str, Any] = {
        **state,
        "ledger": merge_records(state.get("ledger", {}), changes),
        "reports": {**cards, **partial},
        "guardrails": [*(state.get("guardrails") or []), *guard_rejections(state, turn, why)],
    }
    lines = [turn_line(turn, state, view, why)] if unfinished else []
    lines += [f"Asked {clip(m.text)!r}: not answered; {why}" for m in left]
    summary = "\n".join(s for s in (state.get("summary", ""), *lines) if s)
    reset = dict.fromkeys(("replan_reason", "plan_error", "guard_feedback", "menu_need"))
    view.update(reset, summary=summary, guard_pending=None, replans=0)
    update.update(reset, summary=summary, guard_pending=None)
    update["ledger"], update["reports"] = changes, partial
    update["messages"] = progress_message(view, turn=turn) if unfinished else []
    traced_supersede(turn, at, why, changes, config)
    return Settled(cast(OrchestraState, view), update, closed, refiled)


def turn_line(turn: int, state: OrchestraState, view: dict[str, Any], why: str) -> str:
    """Return the summary's line for a turn a new message superseded: what it had got to."""
    messages = list(state.get("messages", []))
    turns = [m for m in messages if m.id == state.get("asked")] or questions(messages)[:1]
    asked = turns[0].text if turns else ""
    steps = [r for r in read_ledger(view["ledger"]).values() if r.turn == turn]
    waited = waiting_for(state)
    line = f"Turn {turn}: asked {clip(asked)!r}; not finished"
    if waited:
        line += f" (it was waiting for {waited})"
    if steps:
        line += "; steps: " + ", ".join(f"{r.id} {r.status}" for r in steps)
    return f"{line}; {why}; nothing more was run or written"


def waiting_for(state: OrchestraState) -> str:
    """Say what the unfinished turn was waiting for, if it was waiting for the user."""
    pending = state.get("guard_pending") or {}
    if pending:
        names = [a["name"] for a in pending.get("action_requests", [])]
        return f"a decision on {', '.join(names)}"
    ledger = read_ledger(state.get("ledger", {}))
    turn = state.get("turn", 0)
    cards = state.get("reports", {})
    tools = [
        a["name"]
        for r in ledger.values()
        if r.turn == turn and r.status == "needs_review"
        for a in (cards.get(r.key, {}).get("review") or {}).get("action_requests", [])
    ]
    if tools:
        return "approval of " + ", ".join(tools)
    statuses = {r.status for r in ledger.values() if r.turn == turn}
    return "sign-off of its plan" if statuses and statuses <= {"waiting", "done", "reused"} else ""


def guard_rejections(state: OrchestraState, turn: int, why: str) -> list[dict[str, Any]]:
    """Return the trips of a guardrail question left waiting, answered as rejections."""
    pending = state.get("guard_pending") or {}
    return [
        {
            "name": str(a["name"]).removeprefix(ASK_PREFIX),
            "stage": pending.get("stage", "plan"),
            "action": "ask",
            "turn": turn,
            "detail": why,
            "decision": "reject",
        }
        for a in pending.get("action_requests", [])
    ]


def clip(text: str) -> str:
    """Return a question as the summary quotes it: one line, bounded."""
    return " ".join(text.split())[:QUESTION_CHARS]


def traced_supersede(
    turn: int, at: str, why: str, changes: dict[str, dict[str, Any]], config: RunnableConfig
) -> None:
    """Record the settled turn as a child run `superseded` of the plan node, when traced."""
    if not config.get("callbacks"):
        return
    steps = {key: change["status"] for key, change in changes.items()}
    meta = {"turn": turn, "at": at, "why": why, "steps": steps}
    child = merge_configs(
        config, {"run_name": "superseded", "tags": ["conversation_control"], "metadata": meta}
    )
    RunnableLambda(lambda settled: settled).invoke(meta, child)


def starting(state: OrchestraState, found: Leftovers, config: RunnableConfig) -> Settled:
    """Return the plan node's state: the last turn settled when this call starts a new one."""
    return settle(state, found, config) if is_new_turn(state) else Settled(state)


def carrying(out: Any, extra: dict[str, Any]) -> Any:
    """Return the plan node's result with the settling's writes in it (the result's win)."""
    if not extra:
        return out
    if isinstance(out, Launch):
        out.update = merged(out.update, extra)
        return out
    if isinstance(out, Command):
        return replace(out, update=merged(dict(out.update or {}), extra))
    return out


def merged(update: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Return the update with the extra writes; a new turn's Overwrite already settled both."""
    out = {**extra, **update}
    out["messages"] = [*extra.get("messages", []), *update.get("messages", [])]
    return out
