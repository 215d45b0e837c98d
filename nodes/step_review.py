"""Tool-call review: the orchestrator asks the user about the calls its steps paused on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain.agents.middleware.human_in_the_loop import ActionRequest, ReviewConfig
from langgraph.types import Command

from nodes.hitl import ask_review, tool_args_check
from nodes.progress import progress_message
from nodes.specialists.spec import SpecialistSpec
from state.graph_state import OrchestraState
from state.ledger import read_ledger
from state.reports import read_reports


def make_step_review_node(registry: Sequence[SpecialistSpec]):
    """Return the node that collects every paused step's calls into one HITL request."""
    check_edit = tool_args_check({t.name: t for spec in registry for t in spec.tools})

    def approve_steps(state: OrchestraState) -> Command[Literal["dispatch"]]:
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
            for config in request.get("review_configs", []):
                configs.setdefault(config["action_name"], config)
        decisions = ask_review(actions, list(configs.values()), check_edit)
        updates: dict[str, dict[str, Any]] = {
            rec.key: {"status": "waiting", "decisions": []} for rec in paused
        }
        for owner, decision in zip(owners, decisions, strict=True):
            updates[owner]["decisions"].append(decision.model_dump(exclude_none=True))
        return Command(
            goto="dispatch",
            update={"ledger": updates, "messages": progress_message(state, updates)},
        )

    return approve_steps
