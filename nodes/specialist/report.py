"""A step's Report: outcome, artifacts, sources, usage, timing and guardrail trips."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage

from nodes.specialists.spec import SpecialistSpec
from state.reports import Brief, Report, ReportStatus, ToolCallRecord, Usage


def make_report(
    spec: SpecialistSpec,
    brief: Brief,
    state: Mapping[str, Any],
    started: float,
    extra_attempts: int,
    status: ReportStatus,
    error: str | None = None,
    transcript: list[dict[str, Any]] | None = None,
    review: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Return the step's Report, keyed by step: outcome, artifacts, sources, usage, timing."""
    messages = state.get("messages", [])
    artifacts: list[str] = []
    sources: list[str] = []
    for message in messages:
        if isinstance(message, ToolMessage) and isinstance(message.artifact, dict):
            found = message.artifact
            artifacts += [a for a in found.get("artifacts", []) if a not in artifacts]
            sources += [s for s in found.get("sources", []) if s not in sources]
    last = messages[-1] if messages else None
    carried = brief.carried
    report = Report(
        step_key=brief.step_key,
        specialist=spec.name,
        status=status,
        summary=last.text if isinstance(last, AIMessage) and status == "done" else "",
        artifacts=artifacts,
        sources=sources,
        usage=carried.usage + Usage(**state.get("usage", {})),
        tools_called=[
            *carried.tools_called,
            *(ToolCallRecord(**t) for t in state.get("tools_called", [])),
        ],
        model_attempts=carried.model_attempts + state.get("model_attempts", 0) + extra_attempts,
        guardrails=[*carried.guardrails, *state.get("guard_events", [])],
        seconds=round(time.time() - started, 3),
        error=error,
        transcript=transcript or [],
        review=review,
    )
    return {brief.step_key: report.model_dump()}
