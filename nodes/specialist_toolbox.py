"""A specialist's tools for one step, built once and reused across its model and tool turns."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from nodes.specialists.spec import SpecialistSpec
from nodes.specialists.workspace import Workspace
from state.reports import Brief
from state.settings import Settings

_STEPS_KEPT = 256
_lock = threading.Lock()
_toolboxes: OrderedDict[tuple[str, int, str], Sequence[BaseTool]] = OrderedDict()


def step_tools(spec: SpecialistSpec, brief: Brief) -> Sequence[BaseTool]:
    """Return the spec's tools bound to this step's workspace and brief, built once per step."""
    workspace = Workspace.current()
    key = (spec.name, id(workspace), brief.model_dump_json())
    with _lock:
        if key in _toolboxes:
            _toolboxes.move_to_end(key)
            return _toolboxes[key]
    # Building a tool derives a pydantic schema from its signature: worth doing once.
    tools = spec.make_tools(workspace, brief)
    with _lock:
        _toolboxes[key] = tools
        while len(_toolboxes) > _STEPS_KEPT:
            _toolboxes.popitem(last=False)
    return tools


@cache
def tool_schemas(spec: SpecialistSpec) -> list[dict[str, Any]]:
    """Return the spec's tool schemas as the model sees them; they do not depend on a step."""
    tools = spec.make_tools(Workspace(Settings()), Brief(objective=""))
    return [convert_to_openai_tool(t) for t in tools]
