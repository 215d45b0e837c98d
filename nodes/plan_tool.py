"""The Plan tool the planner must call: its specialists an enum of the menu, strict where it can.

A free string lets a model name a specialist that does not exist; an enum of the names the
planner was shown lets a server that follows the schema (llama.cpp's grammar, vLLM's guided
decoding, OpenAI's strict function calling) produce only a name that does. The validator
(nodes/plan_rules.py) and the one repair stay as the last line.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai.chat_models.base import BaseChatOpenAI

from nodes.model_access import sampled
from state.context import Context
from state.ids import STEP_ID
from state.plan import Plan

PLAN_TOOL = convert_to_openai_tool(Plan)
# Bindings kept per planner model and menu; a large team's menus vary, so the cache is capped.
MOST_BINDINGS = 64


def _without_defaults(schema: Any) -> Any:
    """Return a JSON schema with no `default` keywords (OpenAI's strict mode refuses them)."""
    if isinstance(schema, dict):
        return {k: _without_defaults(v) for k, v in schema.items() if k != "default"}
    if isinstance(schema, list):
        return [_without_defaults(v) for v in schema]
    return schema


STRICT_PLAN_TOOL = _without_defaults(convert_to_openai_tool(Plan, strict=True))
STEP_ID_PATTERN = f"^{STEP_ID.pattern}$"


def plan_tool(
    names: Sequence[str] | None,
    strict: bool = False,
    reusable: Sequence[str] = (),
    memories: Sequence[str] = (),
) -> dict[str, Any]:
    """Return the Plan tool whose steps may name only `names` (any name when None).

    A step may reuse only one of the `reusable` report keys, or none, and carry only the
    `memories` the planner was shown (the field is left out when it was shown none); its id
    and the ids it depends on follow the step id pattern.
    """
    tool = copy.deepcopy(STRICT_PLAN_TOOL if strict else PLAN_TOOL)
    step = tool["function"]["parameters"]["properties"]["steps"]["items"]
    fields = step["properties"]
    if memories:
        fields["memories"]["items"]["enum"] = list(dict.fromkeys(memories))
    else:
        fields.pop("memories", None)
        if "required" in step:
            step["required"] = [name for name in step["required"] if name != "memories"]
    # A step id names the step's folder: only what the validator accepts can be generated.
    fields["id"]["pattern"] = fields["depends_on"]["items"]["pattern"] = STEP_ID_PATTERN
    if names:
        fields["specialist"]["enum"] = list(dict.fromkeys(names))
        reuse = fields["reuse"]
        keys = [{"type": "string", "enum": list(reusable)}] if reusable else []
        reuse["anyOf"] = [*keys, {"type": "null"}]
    return tool


def plan_result(reply: Any, limit: int | None = None) -> dict[str, Any]:
    """Return a planner reply as structured output reads it: raw, parsed, parsing_error.

    `limit` is the plan's output limit: a reply that spent it was cut there.
    """
    calls = [c for c in getattr(reply, "tool_calls", []) if c["name"] == "Plan"]
    if calls:
        return {"raw": reply, "parsed": calls[0]["args"], "parsing_error": None}
    bad = [c for c in getattr(reply, "invalid_tool_calls", []) if c.get("name") == "Plan"]
    why = bad[0].get("error") or "the Plan call's arguments are not JSON" if bad else "no Plan call"
    # Some servers end a cut tool call with finish_reason "tool_calls": its length says it.
    written = (getattr(reply, "usage_metadata", None) or {}).get("output_tokens") or 0
    finish = (getattr(reply, "response_metadata", None) or {}).get("finish_reason")
    if finish == "length" or (limit and written >= limit):
        # Cut by its output limit: the planner is told so, and can plan shorter.
        why = "the reply reached its output limit before the Plan call was complete (plan fewer, "
        why += "shorter steps)"
    return {"raw": reply, "parsed": None, "parsing_error": why}


class PlanBinding:
    """The orchestrator's models bound to the Plan tool for a menu, which they must call.

    Function calling is what every OpenAI-compatible server supports; the call is read by
    `plan_result` rather than a parser chain (a chain of runnables cost a measurable share of
    a delegation). One per graph.
    """

    def __init__(self) -> None:
        self._bound: dict[tuple[Any, ...], tuple[BaseChatModel, Runnable[Any, Any]]] = {}

    def __call__(
        self,
        model: BaseChatModel,
        names: Sequence[str],
        ctx: Context,
        reusable: Sequence[str],
        memories: Sequence[str] = (),
    ) -> Runnable:
        """Return the model bound to a Plan tool naming `names`, with the plan's output limit."""
        # OpenAI's chat models send `strict`; other providers get the enum alone.
        strict = ctx.strict_plans and isinstance(model, BaseChatOpenAI)
        sampling = ctx.sampling("plan")
        key = (id(model), tuple(names), tuple(reusable), tuple(memories), strict, sampling)
        cached = self._bound.get(key)
        if cached is None or cached[0] is not model:
            if len(self._bound) >= MOST_BINDINGS:
                self._bound.clear()
            extra = sampled(model, sampling)
            if strict:
                # Strict schemas hold only for one call at a time.
                extra["parallel_tool_calls"] = False
            tool = plan_tool(names, strict, reusable, memories)
            bound = model.bind_tools([tool], tool_choice=tool["function"]["name"], **extra)
            cached = self._bound[key] = (model, bound)
        return cached[1]
