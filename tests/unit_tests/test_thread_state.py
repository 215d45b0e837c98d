"""What `show` reads from a checkpoint alone holds for the graph Orchestra builds."""

from __future__ import annotations

from langgraph.channels.binop import BinaryOperatorAggregate
from langgraph.constants import START

from graph.build import build_graph
from graph.cli.finished_tasks import REDUCERS
from graph.cli.thread_state import BRANCH, is_state_key
from nodes.specialists import SAMPLE_TEAM


def test_every_node_is_triggered_by_its_own_branch_channel_and_the_state_is_its_own_keys() -> None:
    graph = build_graph(specialists=SAMPLE_TEAM)
    for name, node in graph.nodes.items():
        assert node.triggers == ([START] if name == START else [f"{BRANCH}{name}"]), name
    # The values a snapshot shows are the state's channels, told apart by their names.
    state = [c for c in graph.channels if is_state_key(c)]
    assert sorted(graph.stream_channels_asis) == sorted(state)


def test_the_merged_channels_a_stopped_step_wrote_are_merged_by_the_states_own_reducers() -> None:
    graph = build_graph(specialists=SAMPLE_TEAM)
    merged = {
        name: channel.operator
        for name, channel in graph.channels.items()
        if isinstance(channel, BinaryOperatorAggregate) and name != "messages"
    }
    # Messages (add_messages) are left to the graph: a step's report never writes them.
    assert {name: reducer for name, (reducer, _) in REDUCERS.items()} == merged
    for name, (_, empty) in REDUCERS.items():
        assert empty() == graph.channels[name].value, name
