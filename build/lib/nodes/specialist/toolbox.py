"""What a specialist's model is offered: its tools' schemas, derived once per specialist."""

from __future__ import annotations

from functools import cache
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool

from nodes.specialists.spec import SpecialistSpec


@cache
def tool_schemas(spec: SpecialistSpec) -> list[dict[str, Any]]:
    """Return the spec's tool schemas as the model sees them (hidden step argument left out)."""
    return [convert_to_openai_tool(t) for t in spec.tools]
