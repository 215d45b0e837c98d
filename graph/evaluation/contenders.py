"""The architectures an evaluation runs, each as a user would: a thread per example and turns.

Orchestra is the compiled orchestrator with a checkpointer and a Store; its approvals are
answered by the example's policy, its cost is its own usage accounting and the specialists
it used are its ledger's. The baselines count their model calls' usage metadata, and the
specialists they used are the owners of the tools they called (or the agents handed off to).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.outputs import LLMResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from graph.build import build_graph, pinned_models
from graph.evaluation.baselines import (
    SINGLE,
    SUPERVISOR,
    Baseline,
    build_baseline,
    without_approvals,
)
from graph.models import ModelResolver, ModelSpec
from nodes.hitl import approve_all, reject_all
from nodes.specialists.spec import SpecialistSpec
from state.archive import Archive
from state.context import Context
from state.dataset import Example
from state.guardrail_spec import Guardrail
from state.settings import Settings
from state.usage import failed_usage, spent
from state.users import user_id
from tools.workspace import Workspace

MAX_LEGS = 10
"""Approval rounds a turn may take before the example counts as stuck waiting."""
REJECTED = "rejected by the evaluation dataset's approval policy (approve: none)"


@dataclass
class Outcome:
    """What one run of an example did: its answer, path, cost and how it ended."""

    thread_id: str
    status: str = "done"
    answer: str = ""
    specialists: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0
    seconds: float = 0.0
    steps_failed: int | None = None
    error: str = ""


class Contender(Protocol):
    """An architecture that can run an example on a thread of its own."""

    name: str

    async def run(self, example: Example, thread_id: str, outcome: Outcome) -> None:
        """Run the example's turns, filling in the outcome as the run goes."""


class OrchestraContender:
    """The orchestrator over the team, as `orchestra ask` runs it, approvals by policy."""

    name = "orchestra"

    def __init__(
        self,
        models: Mapping[str, ModelSpec] | None,
        team: Sequence[SpecialistSpec],
        guardrails: Sequence[Guardrail] | None,
        context: Context,
    ) -> None:
        self.store = InMemoryStore()
        self.graph = build_graph(
            InMemorySaver(), models, store=self.store, specialists=team, guardrails=guardrails
        )
        self.context = context

    async def run(self, example: Example, thread_id: str, outcome: Outcome) -> None:
        """Ask each turn on one thread; answer approvals as the example says."""
        config: Any = {"configurable": {"thread_id": thread_id}, "recursion_limit": 200}
        for question in example.asked:
            payload: Any = {"messages": [HumanMessage(question)]}
            for _ in range(MAX_LEGS):
                try:
                    await self.graph.ainvoke(payload, config, context=self.context)
                finally:
                    # What a stopped turn spent counts too, its failed nodes' calls with it.
                    snapshot = await self.graph.aget_state(config)
                    failed = await Archive(self.store, thread_id, user_id(config)).afailed_calls()
                    self._account(snapshot.values, failed, outcome)
                if not snapshot.interrupts:
                    break
                payload = Command(resume=_decisions(snapshot.interrupts, example.approve))
            else:
                outcome.status = "interrupted"
                outcome.error = f"still waiting for approval after {MAX_LEGS} answers"
                return
            if snapshot.next or snapshot.values.get("status") != "done":
                outcome.status = "failed"
                outcome.error = snapshot.values.get("note") or "the turn did not finish"
                return
        values = snapshot.values
        archived = await Archive(self.store, thread_id, user_id(config)).asteps()
        records = [item["record"] for item in archived.values()]
        records += list(values.get("ledger", {}).values())
        outcome.steps_failed = sum(r.get("status") == "failed" for r in records)
        messages = values.get("messages", [])
        outcome.answer = messages[-1].text if messages else ""

    def _account(
        self, values: Mapping[str, Any], failed: Sequence[Mapping[str, Any]], outcome: Outcome
    ) -> None:
        """Take the thread's usage and the last turn's specialists from the state."""
        usage = spent(values) + failed_usage(failed)
        outcome.input_tokens, outcome.output_tokens = usage.input_tokens, usage.output_tokens
        outcome.calls = usage.llm_calls
        turn = values.get("turn", 0)
        ran = [
            r["specialist"]
            for r in values.get("ledger", {}).values()
            if r.get("turn") == turn and r.get("attempts", 0) > 0
        ]
        outcome.specialists = list(dict.fromkeys(ran))


def _decisions(interrupts: Sequence[Any], approve: str) -> dict[str, Any]:
    """Return the resume values for every pending request: approve all, or reject all."""
    return {
        pending.id: approve_all(pending.value)
        if approve == "all"
        else reject_all(pending.value, REJECTED)
        for pending in interrupts
    }


class UsageTally(AsyncCallbackHandler):
    """Count a run's model calls, their usage metadata, and the tools it called."""

    def __init__(self) -> None:
        self.calls = self.input_tokens = self.output_tokens = 0
        self.tools: list[str] = []

    async def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Add one call and its tokens, as the provider reported them."""
        message = getattr(response.generations[0][0], "message", None)
        usage = getattr(message, "usage_metadata", None) or {}
        self.calls += 1
        self.input_tokens += int(usage.get("input_tokens") or 0)
        self.output_tokens += int(usage.get("output_tokens") or 0)

    async def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Note which tool ran."""
        self.tools.append(str(serialized.get("name") or kwargs.get("name") or ""))


class BaselineContender:
    """A baseline (single agent or supervisor) over the same team and models."""

    def __init__(self, baseline: Baseline, name: str) -> None:
        self.baseline = baseline
        self.name = name

    async def run(self, example: Example, thread_id: str, outcome: Outcome) -> None:
        """Ask each turn on one thread; the last turn's tools say which specialists it used."""
        tally = UsageTally()
        config: Any = {
            "configurable": {"thread_id": thread_id},
            "recursion_limit": 200,
            "callbacks": [tally],
        }
        out: dict[str, Any] = {}
        for question in example.asked:
            tally.tools.clear()
            out = await self.baseline.graph.ainvoke({"messages": [HumanMessage(question)]}, config)
            outcome.specialists = self.baseline.specialists_used(tally.tools)
            outcome.calls = tally.calls
            outcome.input_tokens, outcome.output_tokens = tally.input_tokens, tally.output_tokens
        messages = out.get("messages", [])
        outcome.answer = messages[-1].text if messages else ""


def contenders(
    names: Sequence[str],
    models: Mapping[str, ModelSpec] | None,
    team: Sequence[SpecialistSpec],
    guardrails: Sequence[Guardrail] | None,
    context: Context,
) -> list[Contender]:
    """Build each named architecture (orchestra, single, supervisor) over the team."""
    resolver = ModelResolver(models, pinned_models(team))

    def model_for(role: str) -> BaseChatModel:
        # The baselines' own agent plays the orchestrator's part, with its model.
        own = role if role not in (SINGLE, SUPERVISOR) else "orchestrator"
        return resolver(own, context)

    # The baselines hold local specialists' tools; a remote one or a team lead has none here.
    local = without_approvals([s for s in team if s.remote is None and not s.lead_team])
    workspace = Workspace(Settings())
    built: list[Contender] = []
    for name in names:
        if name == "orchestra":
            built.append(OrchestraContender(models, team, guardrails, context))
        else:
            kind = SINGLE if name == "single" else SUPERVISOR
            baseline = build_baseline(kind, model_for, local, InMemorySaver(), workspace)
            built.append(BaselineContender(baseline, name))
    return built
