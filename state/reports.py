"""What flows between orchestrator and specialists: the brief out, the report back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

# cancelled/drained: what a step had done when its run stopped under it (its partial usage);
# superseded: a step that waited for a decision when a new message settled its turn.
ReportStatus = Literal[
    "done", "failed", "over_budget", "needs_review", "cancelled", "drained", "superseded"
]


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
    # With status needs_review: the HITL request for the calls the step waits on.
    review: dict[str, Any] | None = None
    # A remote specialist's step: the thread it ran on, on the remote server.
    remote_thread_id: str | None = None
    # Guardrail trips on the step's tool output and its report (GuardrailEvent fields).
    guardrails: list[dict[str, Any]] = Field(default_factory=list)

    def card(self) -> dict[str, Any]:
        """Return the report as the checkpointed state keeps it: all but the transcript."""
        # The transcript lives once in the thread's Archive; a retry reads it from there.
        return self.model_dump(exclude={"transcript"})


class Carried(BaseModel):
    """What a step's earlier legs spent and ran, carried into the leg that continues it."""

    usage: Usage = Field(default_factory=Usage)
    tools_called: list[ToolCallRecord] = Field(default_factory=list)
    model_attempts: int = 0
    guardrails: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def from_report(cls, report: Report) -> Carried:
        """Return what a report's leg (and the legs before it) did."""
        return cls(
            usage=report.usage,
            tools_called=report.tools_called,
            model_attempts=report.model_attempts,
            guardrails=report.guardrails,
        )


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
    # The user's HITL decisions for the tool calls the transcript ends with.
    decisions: list[dict[str, Any]] = Field(default_factory=list)
    # Under the orchestrator, a call that needs review ends the step for the orchestrator
    # to ask; a specialist run alone asks itself.
    defer_review: bool = False
    # What the step's earlier legs did (a retried or reviewed step continues from them).
    carried: Carried = Field(default_factory=lambda: Carried())
    # Why the step failed before, when it moved to another specialist: all it carries over.
    failure: str = ""
    # What the user told Orchestra before that the planner gave this step (their memories).
    memories: list[str] = Field(default_factory=list)

    def render(self) -> str:
        """Render the brief as the specialist's first message."""
        lines = [f"Step {self.step_id}: {self.objective}"]
        if self.failure:
            lines.append(f"\nAn earlier attempt by another specialist failed: {self.failure}")
        if self.memories:
            lines.append("\nKnown about the user:")
            lines += [f"- {text}" for text in self.memories]
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
