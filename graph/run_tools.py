"""The team's tools for the one-conversation baselines, scoped to the run that calls them.

Orchestra hands each tool its step (workspace and brief). The single agent and the
supervisor's workers have no briefs, so each tool here calls the real one with a step whose
brief holds the calling run's thread and every file produced so far on that thread. The
thread comes from the tool call's own config, so runs on several threads can share the tools.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool

from nodes.specialist.tool_calls import takes_step
from nodes.specialists.spec import SpecialistSpec, Step
from state.reports import Brief, Report
from tools.workspace import Workspace


class RunTools:
    """Every specialist's tools, writing into one folder per thread and seeing its files."""

    def __init__(self, registry: Sequence[SpecialistSpec], workspace: Workspace) -> None:
        self.registry = list(registry)
        self.workspace = workspace
        self._artifacts: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def owners(self) -> dict[str, str]:
        """Return which specialist each tool belongs to, by tool name."""
        return {t.name: spec.name for spec in self.registry for t in spec.tools}

    def tools_of(self, spec: SpecialistSpec) -> list[BaseTool]:
        """Return one specialist's tools, bound to the run that calls them."""
        return [self._proxy(spec, t) for t in spec.tools]

    def all_tools(self) -> list[BaseTool]:
        """Return every tool of every specialist."""
        return [t for spec in self.registry for t in self.tools_of(spec)]

    def artifacts(self, thread_id: str) -> list[str]:
        """Return the files a thread's tool calls produced so far."""
        with self._lock:
            return list(self._artifacts.get(thread_id, []))

    def _brief(self, spec: SpecialistSpec, thread_id: str) -> Brief:
        earlier = Report(
            step_key="run", specialist="run", status="done", artifacts=self.artifacts(thread_id)
        )
        return Brief(
            step_key="0.run",
            step_id="run",
            specialist=spec.name,
            objective="",
            inputs=[earlier],
            thread_id=thread_id,
        )

    def _proxy(self, spec: SpecialistSpec, template: BaseTool) -> BaseTool:
        pairs = template.response_format == "content_and_artifact"

        def run(config: RunnableConfig, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
            thread_id = str((config.get("configurable") or {}).get("thread_id") or "run")
            if takes_step(template):
                # Each call its own idempotency key, as the tool node gives them.
                brief = self._brief(spec, thread_id)
                kwargs["step"] = Step(self.workspace, brief, uuid.uuid4().hex)
            out = template.func(**kwargs)  # type: ignore[attr-defined]
            content, artifact = out if pairs else (out, {})
            made = (artifact or {}).get("artifacts", [])
            with self._lock:
                files = self._artifacts.setdefault(thread_id, [])
                files += [a for a in made if a not in files]
            return content, artifact or {}

        return StructuredTool.from_function(
            func=run,
            name=template.name,
            description=template.description,
            args_schema=template.tool_call_schema,
            response_format="content_and_artifact",
        )
