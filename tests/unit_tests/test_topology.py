"""The graphs' topology, pinned by snapshots of their Mermaid drawings."""

from __future__ import annotations

from pathlib import Path

from graph import build_graph, build_specialist_graph

SNAPSHOTS = Path(__file__).parent / "snapshots"


def test_orchestrator_topology_matches_its_snapshot() -> None:
    drawn = build_graph().get_graph().draw_mermaid()
    assert drawn == (SNAPSHOTS / "orchestrator.mmd").read_text()


def test_specialist_topology_is_model_and_tools_only() -> None:
    drawn = build_specialist_graph("sql_analyst").get_graph().draw_mermaid()
    assert drawn == (SNAPSHOTS / "specialist.mmd").read_text()
    assert "model -.-> tools" in drawn and "tools -.-> model" in drawn
