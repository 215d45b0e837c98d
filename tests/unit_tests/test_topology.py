"""The graphs' topology, pinned by snapshots of their Mermaid drawings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.delegation import QUESTION, WORKERS, delegation_model, noop_team
from graph import build_graph, build_specialist_graph

SNAPSHOTS = Path(__file__).parent / "snapshots"


def test_orchestrator_topology_matches_its_snapshot() -> None:
    drawn = build_graph().get_graph().draw_mermaid()
    assert drawn == (SNAPSHOTS / "orchestrator.mmd").read_text()
    # Studio draws the team: every specialist a subgraph node that dispatch runs.
    for name in ("sql_analyst", "doc_researcher", "data_analyst", "report_writer"):
        assert f"dispatch -.-> {name}" in drawn and f"{name} --> dispatch" in drawn


def test_specialist_topology_is_model_and_tools_only() -> None:
    drawn = build_specialist_graph("sql_analyst").get_graph().draw_mermaid()
    assert drawn == (SNAPSHOTS / "specialist.mmd").read_text()
    assert "model -.-> tools" in drawn and "tools -.-> model" in drawn


def test_each_steps_own_state_is_read_under_its_namespace_as_its_specialists() -> None:
    saver = InMemorySaver()
    graph = build_graph(saver, {"default": delegation_model()}, specialists=noop_team())
    config: Any = {"configurable": {"thread_id": "t"}}
    graph.invoke({"messages": [HumanMessage(QUESTION)]}, config)
    spaces = {c.config["configurable"]["checkpoint_ns"] for c in saver.list(None)} - {""}
    assert {ns.split(":")[0] for ns in spaces} == set(WORKERS)
    for ns in spaces:
        state = graph.get_state({"configurable": {"thread_id": "t", "checkpoint_ns": ns}})
        # The specialist's own channels (its brief and transcript), not the orchestrator's.
        assert "ledger" not in state.values
        assert state.values["brief"]["specialist"] == ns.split(":")[0]
        assert [m.type for m in state.values["messages"]][-3:] == ["ai", "tool", "ai"]
