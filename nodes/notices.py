"""A retried call is said while it happens: in the run's custom stream and the chat's progress."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.config import get_config
from langgraph.graph.message import push_message

from nodes.calls import Notice, Retrying, announce
from nodes.progress import PROGRESS, progress_id, progress_message


def told(state: Mapping[str, Any], turn: int | None = None) -> Notice:
    """Return an orchestrator call's notice: the custom event, and the turn's progress message.

    The progress message (its id is the turn's) streams with the retry's line and no state
    write; the node's own update replaces it when the node ends.
    """
    turn = state.get("turn", 0) if turn is None else turn

    def notice(retrying: Retrying) -> None:
        announce(retrying)
        shown = progress_message(state, turn=turn, note=retrying.text())
        text = retrying.text()
        message = shown[0] if shown else AIMessage(text, id=progress_id(turn), name=PROGRESS)
        _streamed(message)

    return notice


def _streamed(message: AIMessage) -> None:
    """Send a message to the run's `messages` stream only (never to the state)."""
    try:
        config = get_config()
    except RuntimeError:
        return
    if config.get("callbacks"):
        push_message(message, state_key=None)
