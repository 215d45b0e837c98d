"""What flows between orchestrator and specialists: the brief out, the report back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

ReportStatus = Literal["done", "failed", "over_budget"]


class Usage(BaseModel):
    """Token usage and model calls, summed over any number of calls."""

    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def tokens(self) -> int:
        """Return input and output tokens together."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            llm_calls=self.llm_calls + other.llm_calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


class ToolCallRecord(BaseModel):
    """One tool call a specialist made, as the per-step trace shows it."""

    name: str
    ok: bool
    seconds: float = 0.0


class Report(BaseModel):
    """A specialist's result for one step."""

    step_key: str
    specialist: str
    status: ReportStatus
    summary: str = ""
    artifacts: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    tools_called: list[ToolCallRecord] = Field(default_factory=list)
    model_attempts: int = 0
    seconds: float = 0.0
    error: str | None = None
    transcript: list[dict[str, Any]] = Field(default_factory=list)


class Brief(BaseModel):
    """Everything a specialist is given for one step, and nothing more."""

    step_key: str = "0.s1"
    step_id: str = "s1"
    specialist: str = ""
    objective: str
    inputs: list[Report] = Field(default_factory=list)
    max_iterations: int = 6
    thread_id: str = ""
    attempt: int = 1
    transcript: list[dict[str, Any]] = Field(default_factory=list)

    def render(self) -> str:
        """Render the brief as the specialist's first message."""
        lines = [f"Step {self.step_id}: {self.objective}"]
        for report in self.inputs:
            lines.append(f"\nReport from step {report.step_key} ({report.specialist}):")
            lines.append(report.summary)
            if report.artifacts:
                lines.append("Artifacts: " + ", ".join(report.artifacts))
            if report.sources:
                lines.append("Sources: " + "; ".join(report.sources))
        lines.append(f"\nBudget: {self.max_iterations} model turns. End with a short summary.")
        return "\n".join(lines)


def read_reports(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, Report]:
    """Return the reports channel's records as Reports, keyed by step."""
    return {key: Report(**record) for key, record in raw.items()}
