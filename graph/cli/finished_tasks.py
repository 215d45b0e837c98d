"""What tasks that finished in the step a run stopped in add to the state, as the graph adds it.

A thread stopped mid-step (Ctrl-C while steps ran in parallel) keeps the writes of the steps
that finished; its latest state includes them, merged by the state's reducers in LangGraph's
order (by task path). The reducers of the channels a step writes are listed here (a unit test
holds them to the graph's); a write anywhere else, or one that overwrites, gives None and the
command reads the thread through the graph.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from state.records import merge_records
from state.usage import add_turn_usage

# Each merged channel's reducer and its value before the first write.
REDUCERS: dict[str, tuple[Callable[[Any, Any], Any], Callable[[], Any]]] = {
    "ledger": (merge_records, dict),
    "reports": (merge_records, dict),
    "guardrails": (operator.add, list),
    "orchestrator_usage": (add_turn_usage, dict),
}
OVERWRITE = "__overwrite__"


def overwrites(value: Any) -> bool:
    """Return True for a write that replaces a merged channel's value (LangGraph's Overwrite)."""
    if type(value).__name__ == "Overwrite":
        return True
    if isinstance(value, dict):
        return (len(value) == 1 and OVERWRITE in value) or (
            value.get("type") == OVERWRITE and "value" in value
        )
    return False


def with_finished(
    values: dict[str, Any],
    finished: Sequence[tuple[str, Sequence[tuple[str, Any]]]],
    is_state_key: Callable[[str], bool],
) -> dict[str, Any] | None:
    """Return the values with the finished tasks' writes merged: (task path, writes) each."""
    written: dict[str, list[Any]] = {}
    for _, writes in sorted(finished, key=lambda task: task[0]):
        for channel, value in writes:
            if is_state_key(channel):
                written.setdefault(channel, []).append(value)
    merged = dict(values)
    for channel, updates in written.items():
        if channel not in REDUCERS or any(overwrites(v) for v in updates):
            return None
        reducer, empty = REDUCERS[channel]
        value = merged.get(channel, empty())
        for update in updates:
            value = reducer(value, update)
        merged[channel] = value
    return merged
