"""Large teams: the planner's menu stays small and fits the request; leads run their teams."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.large_team.evaluate import evaluate, held_out, load_team
from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, estimate_tokens, plan, step
from nodes.menu import Menu
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from tests.unit_tests.team import MEMOS, NUMBERS, thread


def test_a_large_teams_menu_stays_within_the_small_teams_token_bound() -> None:
    small, large = evaluate(8), evaluate(256)
    assert small["k"] == 8 and large["k"] == Context().menu_size
    assert large["planner_tokens_median"] <= 1.2 * small["planner_tokens_median"]


def test_recall_is_measured_on_held_out_requests_only() -> None:
    requests = held_out(256)
    assert len(requests) >= 200 and {r["split"] for r in requests} == {"test"}
    # Held out: no request was written into the team the index is built from.
    texts = " ".join(
        s.description + " ".join(t.description for t in s.tools) for s in load_team(256)
    )
    assert not any(r["request"] in texts for r in requests)
    assert evaluate(64)["recall"] >= 0.95 and evaluate(256)["recall"] >= 0.90


def test_the_planner_sees_the_menu_for_its_request_and_may_ask_for_more() -> None:
    team = load_team(64)
    prompts: list[str] = []

    def orchestrator(messages: list[BaseMessage]) -> dict[str, Any]:
        system = messages[0].text
        if "finalizer" in system:
            return answer("Done.")
        prompts.append(system)
        if len(prompts) == 1:
            return plan(need="someone who plans warehouse bins")
        return plan(step("s1", "inventory_planner", "Plan the warehouse bins."))

    script = {"orchestrator": [orchestrator] * 4, "inventory_planner": [answer("Planned.")]}
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=team)
    ask = {"messages": [HumanMessage("How is the payroll overtime looking?")]}
    seen = MenuMetadata()
    result = asyncio.run(graph.ainvoke(ask, {**thread(), "callbacks": [seen]}))
    first, second = prompts
    assert "- payroll_analyst:" in first and "- inventory_planner:" not in first
    assert len([line for line in first.splitlines() if line.startswith("- ")]) <= 8
    # Asked for more: the specialists that fit what it needs are shown the second time.
    assert "- inventory_planner:" in second and "- payroll_analyst:" in second
    assert result["ledger"]["1.s1"]["status"] == "done"
    assert result["menu"]["names"] and result["menu"]["turn"] == 1
    # Each planner call's trace says what it was offered and how long choosing took.
    assert [len(m["menu"]) for m in seen.menus] == [8, len(result["menu"]["names"])]
    assert "inventory_planner" in seen.menus[1]["menu"] and seen.menus[1]["menu_ms"] >= 0


class MenuMetadata(BaseCallbackHandler):
    """Collects the menu metadata of the planner's model calls, as a tracer would see it."""

    def __init__(self) -> None:
        self.menus: list[dict[str, Any]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        metadata = kwargs.get("metadata") or {}
        if "menu" in metadata:
            self.menus.append({"menu": metadata["menu"], "menu_ms": metadata["menu_ms"]})


def test_a_small_team_is_offered_whole() -> None:
    menu = Menu(load_team(8))
    choice = menu.choose("anything at all", Context())
    assert not choice.narrowed and len(choice.names) == 8
    assert estimate_tokens(menu.render(choice)) < 400


def test_a_team_lead_runs_its_own_team_as_one_step() -> None:
    lead = SpecialistSpec(
        "finance_lead",
        "Leads the finance team: figures and memos.",
        "",
        [],
        lead_team=[NUMBERS, MEMOS],
    )

    def orchestrator(messages: list[BaseMessage]) -> dict[str, Any]:
        system, request = messages[0].text, messages[-1].text
        if "finalizer" in system:
            return answer("Revenue in 2025: " + request.split("Reports:", 1)[-1].strip()[-40:])
        if "Step q:" in request:  # the lead's own planner, over its team
            return plan(step("a", "numbers", "Find 2025 revenue."))
        return plan(step("q", "finance_lead", "What was 2025 revenue?"))

    script = {
        "orchestrator": [orchestrator] * 6,
        "numbers": [call("lookup", key="revenue"), answer("revenue in 2025 was 1.2M")],
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=[lead])
    result = asyncio.run(graph.ainvoke({"messages": [HumanMessage("Revenue?")]}, thread("top")))
    report = result["reports"]["1.q"]
    assert report["status"] == "done" and "1.2M" in report["summary"]
    assert [t["name"] for t in report["tools_called"]] == ["numbers:1.a"]
    # The lead planned on its own thread, the step's brief as its question.
    lead_plans = [c for c in model.calls_for("orchestrator") if "Step q:" in c.messages[-1].text]
    assert len(lead_plans) >= 1
    assert "1.2M" in result["messages"][-1].text
