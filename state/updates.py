"""A node's update applied to a state as LangGraph applies it: reducers, and `Overwrite`.

Whoever reads a stream of `updates` (the command line's progress, a node composing its own
update) folds each one in here rather than treating it as a plain dict: a channel with a
reducer may receive `Overwrite(...)` (or its JSON form from a server) instead of a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, get_type_hints

from langgraph.channels import BinaryOperatorAggregate

from state.graph_state import OrchestraState


@cache
def reducer_channels(schema: type) -> dict[str, BinaryOperatorAggregate[Any]]:
    """Return an empty LangGraph channel for each of a state's fields that has a reducer."""
    channels = {}
    for name, hint in get_type_hints(schema, include_extras=True).items():
        metadata = getattr(hint, "__metadata__", ())
        if metadata and callable(metadata[-1]):
            channels[name] = BinaryOperatorAggregate(hint, metadata[-1])
    return channels


def apply_update(
    values: Mapping[str, Any], update: Mapping[str, Any] | None, schema: type = OrchestraState
) -> dict[str, Any]:
    """Return `values` with one node's update applied, as the graph's channels apply it."""
    result = dict(values)
    channels = reducer_channels(schema)
    for key, change in (update or {}).items():
        empty = channels.get(key)
        if empty is None:
            # A field without a reducer keeps the last value written.
            result[key] = change
            continue
        channel = empty.from_checkpoint(result[key]) if key in result else empty.copy()
        # LangGraph's own channel: it knows Overwrite in each of its forms.
        channel.update([change])
        result[key] = channel.get()
    return result


def changes(
    values: Mapping[str, Any], update: Mapping[str, Any], schema: type = OrchestraState
) -> dict[str, Any]:
    """Return the update without the fields it would set to the value they already hold.

    Only fields without a reducer: a reducer's write is never a no-op to be dropped. Every
    field written is a new channel version, serialised into the next checkpoint.
    """
    channels = reducer_channels(schema)
    return {
        key: change
        for key, change in update.items()
        if key in channels
        or values.get(key) != change
        or (change is not None and key not in values)
    }
