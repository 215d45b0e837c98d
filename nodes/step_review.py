"""Tool-call review: the orchestrator asks the user about the calls its steps paused on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain.agents.middleware.human_in_the_loop import ActionRequest, ReviewConfig
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.archive_access import Archives
from nodes.guards.asking import edited_text
from nodes.guards.at_step import settle_report
from nodes.guards.screen import ASK_PREFIX
from nodes.hitl import DECISIONS, ask_review, tool_args_check
from nodes.progress import progress_message
from nodes.specialists.spec import SpecialistSpec
from state.archive import Archive
from state.context import Context
from state.graph_state import OrchestraState
from state.ledger import StepRecord, read_ledger
from state.reports import read_reports


def make_step_review_node(registry: Sequence[SpecialistSpec], archives: Archives):
    """Return the node that collects every paused step's calls into one HITL request."""
    check_tools = tool_args_check({t.name: t for spec in registry for t in spec.tools})

    def check_edit(name: str, args: dict[str, Any]) -> None:
        # A step waits on its tool calls, or on a guardrail that asked about its text.
        (edited_text if name.startswith(ASK_PREFIX) else check_tools)(name, args)

    def approve_steps(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Command[Literal["dispatch"]]:
        """Pause for the user's decisions, then send each step on with its own."""
        # A parent node, in a superstep of its own: a client reading the thread while it
        # waits sees the orchestrator's state, never a specialist's.
        turn = state.get("turn", 0)
        paused = [
            rec
            for rec in read_ledger(state.get("ledger", {})).values()
            if rec.turn == turn and rec.status == "needs_review"
        ]
        reports = read_reports({r.key: state.get("reports", {})[r.key] for r in paused})
        actions: list[ActionRequest] = []
        configs: dict[str, ReviewConfig] = {}
        owners: list[str] = []
        for rec in paused:
            request = reports[rec.key].review or {}
            actions += request.get("action_requests", [])
            owners += [rec.key] * len(request.get("action_requests", []))
            for review in request.get("review_configs", []):
                configs.setdefault(review["action_name"], review)
        decisions = ask_review(actions, list(configs.values()), check_edit)
        updates: dict[str, dict[str, Any]] = {
            rec.key: {"status": "waiting", "decisions": []} for rec in paused
        }
        for owner, decision in zip(owners, decisions, strict=True):
            updates[owner]["decisions"].append(decision.model_dump(exclude_none=True))
        # A finished step whose report a guardrail asked about is settled here; the others
        # go on with their decisions.
        settled = settle_reports(state, paused, updates, archives(runtime, config))
        update = {"ledger": updates, "messages": progress_message(state, updates), **settled}
        return Command(goto="dispatch", update=update)

    return approve_steps


def settle_reports(
    state: OrchestraState,
    paused: Sequence[StepRecord],
    updates: dict[str, dict[str, Any]],
    archive: Archive,
) -> dict[str, Any]:
    """Settle the paused reports a guardrail asked about: done as decided, or failed."""
    cards: dict[str, dict[str, Any]] = {}
    for rec in paused:
        card = state.get("reports", {})[rec.key]
        if card.get("status") != "needs_review" or not waits_on_report(card):
            continue
        decided = DECISIONS.validate_python(updates[rec.key].pop("decisions"))
        cards[rec.key] = settled = settle_report(card, decided, rec.turn)
        updates[rec.key]["status"] = settled["status"]
        if settled["status"] == "failed":
            updates[rec.key].update(
                error=settled["error"], failures=[*rec.failures, settled["error"]]
            )
        whole = archive.report(rec.key) or {}
        archive.put_report(rec.key, {**whole, **settled})
    return {"reports": cards} if cards else {}


def waits_on_report(card: dict[str, Any]) -> bool:
    """Return True when a step waits on a guardrail's question about its report."""
    requests = (card.get("review") or {}).get("action_requests", [])
    return bool(requests) and all(r.get("args", {}).get("stage") == "report" for r in requests)
