"""What `show` reads from a checkpoint alone holds for the graph Orchestra builds."""

from __future__ import annotations

from langgraph.constants import START

from graph.build import build_graph
from graph.cli.thread_state import BRANCH, is_state_key
from nodes.specialists import SAMPLE_TEAM


def test_every_node_is_triggered_by_its_own_branch_channel_and_the_state_is_its_own_keys() -> None:
    graph = build_graph(specialists=SAMPLE_TEAM)
    for name, node in graph.nodes.items():
        assert node.triggers == ([START] if name == START else [f"{BRANCH}{name}"]), name
    # The values a snapshot shows are the state's channels, told apart by their names.
    state = [c for c in graph.channels if is_state_key(c)]
    assert sorted(graph.stream_channels_asis) == sorted(state)
