"""Plan validation: errors in words, one repair round, then a clear failure."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import HumanMessage

from graph.testing import answer, plan, step
from nodes.plan_rules import plan_errors
from state.plan import Plan, PlanStep
from tests.unit_tests.team import team_graph, thread


def _plan(*steps: PlanStep) -> Plan:
    return Plan(steps=list(steps))


def test_plan_errors_name_unknown_specialist_dangling_and_cyclic_dependencies() -> None:
    bad = _plan(
        PlanStep(id="a", specialist="wizard", objective="x"),
        PlanStep(id="b", specialist="numbers", objective="y", depends_on=["c"]),
        PlanStep(id="c", specialist="numbers", objective="z", depends_on=["b"]),
        PlanStep(id="d", specialist="numbers", objective="w", depends_on=["nope"]),
    )
    errors = plan_errors(bad, specialists=["numbers"], max_steps=3)
    text = " | ".join(errors)
    assert "unknown specialist 'wizard'" in text
    assert "unknown step 'nope'" in text
    assert "cycle" in text and "b -> c -> b" in text
    assert "4 steps; at most 3" in text


def test_valid_plan_has_no_errors() -> None:
    good = _plan(
        PlanStep(id="a", specialist="numbers", objective="x"),
        PlanStep(id="b", specialist="numbers", objective="y", depends_on=["a"]),
    )
    assert plan_errors(good, specialists=["numbers"], max_steps=8) == []


def test_invalid_plan_is_repaired_once_with_the_error() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [
                plan(step("a", "wizard", "cast")),
                plan(step("a", "numbers", "Find revenue")),
                answer("1.2M"),
            ],
            "numbers": [answer("1.2M")],
        }
    )
    result = asyncio.run(graph.ainvoke({"messages": [HumanMessage("revenue?")]}, thread()))
    assert result["messages"][-1].content == "1.2M"
    repair_prompt = model.calls_for("orchestrator")[1].messages[1].text
    assert "unknown specialist 'wizard'" in repair_prompt


def test_plan_still_invalid_after_repair_fails_clearly_and_keeps_the_checkpoint() -> None:
    graph, model = team_graph(
        {"orchestrator": [plan(step("a", "wizard", "x")), plan(step("a", "oracle", "y"))]}
    )
    with pytest.raises(ValueError, match="plan is invalid: .*unknown specialist 'oracle'"):
        asyncio.run(graph.ainvoke({"messages": [HumanMessage("q")]}, thread()))
    snapshot = asyncio.run(graph.aget_state(thread()))
    assert snapshot.next == ("plan",)
    assert len(model.calls_for("orchestrator")) == 2
