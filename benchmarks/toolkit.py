"""The team's tools for the one-conversation architectures, scoped to the current run.

Orchestra hands each tool its step (workspace and brief). The single agent and the
supervisor's workers have no briefs, so each tool here calls the real one with a step whose
brief holds this run's thread and every file produced so far in the run.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from nodes.specialist.tool_calls import takes_step
from nodes.specialists.spec import SpecialistSpec, Step
from state.reports import Brief, Report
from tools.workspace import Workspace


class RunTools:
    """Every specialist's tools, writing into one folder per run and seeing the run's files."""

    def __init__(self, registry: Sequence[SpecialistSpec], workspace: Workspace) -> None:
        self.registry = list(registry)
        self.workspace = workspace
        self.thread_id = "bench"
        self.artifacts: list[str] = []

    def start(self, thread_id: str) -> None:
        """Begin a new run: its own folder, no files yet."""
        self.thread_id = thread_id
        self.artifacts = []

    def tools_of(self, spec: SpecialistSpec) -> list[BaseTool]:
        """Return one specialist's tools, bound to the current run."""
        return [self._proxy(spec, t) for t in spec.tools]

    def all_tools(self) -> list[BaseTool]:
        """Return every tool of every specialist."""
        return [t for spec in self.registry for t in self.tools_of(spec)]

    def _brief(self, spec: SpecialistSpec) -> Brief:
        earlier = Report(
            step_key="run", specialist="run", status="done", artifacts=list(self.artifacts)
        )
        return Brief(
            step_key="0.run",
            step_id="run",
            specialist=spec.name,
            objective="",
            inputs=[earlier],
            thread_id=self.thread_id,
        )

    def _proxy(self, spec: SpecialistSpec, template: BaseTool) -> BaseTool:
        name = template.name
        pairs = template.response_format == "content_and_artifact"

        def run(**kwargs: Any) -> tuple[Any, dict[str, Any]]:
            if takes_step(template):
                # Each call its own idempotency key, as the tool node gives them.
                kwargs["step"] = Step(self.workspace, self._brief(spec), uuid.uuid4().hex)
            out = template.func(**kwargs)  # type: ignore[attr-defined]
            content, artifact = out if pairs else (out, {})
            made = (artifact or {}).get("artifacts", [])
            self.artifacts += [a for a in made if a not in self.artifacts]
            return content, artifact or {}

        return StructuredTool.from_function(
            func=run,
            name=name,
            description=template.description,
            args_schema=template.tool_call_schema,
            response_format="content_and_artifact",
        )
