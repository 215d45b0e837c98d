"""Attacks by a model or a caller that does the worst it can: identifiers that are paths."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.planning import PlanError
from state.reports import Brief
from state.settings import Settings
from tools.errors import ToolError
from tools.workspace import Workspace

ESCAPE = "../../../../escaped"


@pytest.fixture
def home(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a home four folders deep in the test's folder: every escape lands in sight."""
    deep = isolated_env / "a" / "b" / "c" / "home"
    shutil.copytree(isolated_env / "sample", deep / "sample")
    monkeypatch.setenv("ORCHESTRA_HOME", str(deep))
    return deep


def landing(folder: Path, name: str, inside: Path) -> Path:
    """Return where `name` joined to `folder` lands, checking the test can see that place."""
    place = Path(os.path.normpath(folder / name))
    assert inside in place.parents, f"{place} is out of the test's sight ({inside})"
    return place


def escaped(top: Path, home: Path) -> list[Path]:
    """Return every file or folder named like the escape under `top`, outside the home's runs."""
    return [p for p in top.rglob("*escaped*") if home / "runs" not in p.parents]


def test_a_step_id_that_is_a_path_is_refused_before_anything_runs(
    home: Path, isolated_env: Path
) -> None:
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
    # A step's folder is runs/<thread>/<turn>.<step id>: where each planned id would land.
    places = [landing(home / "runs" / "t", f"1.{s}", isolated_env) for s in (ESCAPE, ESCAPE + "2")]
    # invalid twice: the run stops with a clear error, resumable from its checkpoint
    with pytest.raises(PlanError, match="must be 1-40 letters, digits"):
        graph.invoke({"messages": [HumanMessage("How many orders?")]}, config)
    assert [p for p in places if p.exists()] == []
    assert escaped(isolated_env, home) == []
    repair = model.calls_for("orchestrator")[1].messages[-1].text
    assert "must be 1-40 letters, digits, '-' or '_'" in repair
    assert model.calls_for("sql_analyst") == []


def test_a_thread_id_that_is_a_path_writes_nothing_outside_the_home(
    home: Path, isolated_env: Path
) -> None:
    script = {
        "orchestrator": [plan(step("count", "sql_analyst", "Count the orders.")), answer("no")],
        "sql_analyst": [call("run_sql", query="SELECT COUNT(*) FROM orders"), answer("refused")],
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model})
    config = {"configurable": {"thread_id": ESCAPE}}
    # A thread's folder is runs/<thread>: where this one would land, and its step's folder.
    place = landing(home / "runs", ESCAPE, isolated_env)
    graph.invoke({"messages": [HumanMessage("How many orders?")]}, config)
    assert not place.exists(), f"the thread id made {place}"
    assert escaped(isolated_env, home) == []
    assert not list(isolated_env.rglob("*.csv"))
    told = model.calls_for("sql_analyst")[1].messages[-1]
    assert told.type == "tool" and "thread id '../../../../escaped' must be" in told.text


def test_a_run_folder_linked_out_of_the_home_is_refused_before_anything_is_made_in_it(
    home: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (home / "runs").mkdir()
    os.symlink(outside, home / "runs" / "t")
    workspace = Workspace(Settings())
    brief = Brief(objective="Count the orders.", thread_id="t", step_key="1.count")
    with pytest.raises(ToolError, match="resolves outside"):
        workspace.step_dir(brief)
    assert list(outside.iterdir()) == []
