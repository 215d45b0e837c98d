"""Attacks by a model or a caller that does the worst it can: identifiers that are paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.planning import PlanError

ESCAPE = "../../../../escaped"


def files_outside(home: Path) -> list[Path]:
    return [p for p in home.parent.rglob("*escaped*") if home not in p.parents]


def test_a_step_id_that_is_a_path_is_refused_before_anything_runs(isolated_env: Path) -> None:
    script = {
        "orchestrator": [
            plan(step(ESCAPE, "sql_analyst", "Count the orders.")),
            plan(step(ESCAPE + "2", "sql_analyst", "Count the orders.")),
        ],
        "sql_analyst": [call("run_sql", query="SELECT COUNT(*) FROM orders"), answer("n")],
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model})
    config = {"configurable": {"thread_id": "t"}}
    # invalid twice: the run stops with a clear error, resumable from its checkpoint
    with pytest.raises(PlanError, match="must be 1-40 letters, digits"):
        graph.invoke({"messages": [HumanMessage("How many orders?")]}, config)
    repair = model.calls_for("orchestrator")[1].messages[-1].text
    assert "must be 1-40 letters, digits, '-' or '_'" in repair
    assert model.calls_for("sql_analyst") == []
    assert files_outside(isolated_env) == []


def test_a_thread_id_that_is_a_path_writes_nothing_outside_the_home(isolated_env: Path) -> None:
    script = {
        "orchestrator": [plan(step("count", "sql_analyst", "Count the orders.")), answer("no")],
        "sql_analyst": [call("run_sql", query="SELECT COUNT(*) FROM orders"), answer("refused")],
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model})
    config = {"configurable": {"thread_id": ESCAPE}}
    graph.invoke({"messages": [HumanMessage("How many orders?")]}, config)
    told = model.calls_for("sql_analyst")[1].messages[-1]
    assert told.type == "tool" and "thread id '../../../../escaped' must be" in told.text
    assert files_outside(isolated_env) == []
    assert not list((isolated_env / "runs").rglob("*.csv"))
