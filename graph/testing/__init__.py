"""The one scripted chat model and its script builders, for tests, demo, notebooks and bench.

A script maps a role (read from the system prompt's "You are <role>") to its replies. Which
reply a request gets depends on what the request holds, never on how many calls came before:
a specialist's request gets the reply at the position of its transcript (the number of model
turns it already holds), keyed `role:step` when the script has such a key; the orchestrator's
requests take the next reply for each new request, and the same one again for a request seen
before. So a call repeated after a restart gets the same reply and shows in `repeats`.

A reply is a dict with `content` and/or `tool_calls` ([{"name", "args"}]), an `AIMessage`, or
a callable of the messages returning either; a role's whole script may be one such callable,
which then answers every request of that role. A fault — `{"raise": exc}` for the in-process
model, `{"status": 500}` or `{"hang": True}` for the scripted server — does not take a
position: faults listed before a reply are played once each, in order, before that reply.
"""

import importlib
from typing import Any

# Where each public name lives, imported on first use: the blocking-call detector that every
# `orchestra` a test starts installs (graph/testing/blocking.py) needs none of the model.
_HOMES = {
    **dict.fromkeys(
        ("Reply", "answer", "call", "last_tool_text", "malformed", "plan", "step"),
        "graph.testing.builders",
    ),
    **dict.fromkeys(
        ("ScriptedCall", "ScriptedChatModel", "as_message", "estimate_tokens"),
        "graph.testing.model",
    ),
    **dict.fromkeys(
        (
            "Choice",
            "Script",
            "ScriptExhaustedError",
            "fingerprint",
            "is_fault",
            "role_of",
            "step_of",
        ),
        "graph.testing.script",
    ),
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'graph.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
