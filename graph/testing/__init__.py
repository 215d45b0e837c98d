"""The one scripted chat model and its script builders, for tests, demo, notebooks and bench.

A script maps a role (read from the system prompt's "You are <role>") to its replies. Which
reply a request gets depends on what the request holds, never on how many calls came before:
a specialist's request gets the reply at the position of its transcript (the number of model
turns it already holds), keyed `role:step` when the script has such a key; the orchestrator's
requests take the next reply for each new request, and the same one again for a request seen
before. So a call repeated after a restart gets the same reply and shows in `repeats`.

A reply is a dict with `content` and/or `tool_calls` ([{"name", "args"}]), an `AIMessage`, or
a callable of the messages returning either. A fault — `{"raise": exc}` for the in-process
model, `{"status": 500}` or `{"hang": True}` for the scripted server — does not take a
position: faults listed before a reply are played once each, in order, before that reply.
"""

from graph.testing.builders import Reply, answer, call, last_tool_text, malformed, plan, step
from graph.testing.model import ScriptedCall, ScriptedChatModel, as_message, estimate_tokens
from graph.testing.script import (
    Choice,
    Script,
    ScriptExhaustedError,
    fingerprint,
    is_fault,
    role_of,
    step_of,
)

__all__ = [
    "Choice",
    "Reply",
    "Script",
    "ScriptExhaustedError",
    "ScriptedCall",
    "ScriptedChatModel",
    "answer",
    "malformed",
    "as_message",
    "call",
    "estimate_tokens",
    "fingerprint",
    "is_fault",
    "last_tool_text",
    "plan",
    "role_of",
    "step",
    "step_of",
]
