"""The orchestrator's plan: steps, each for one specialist, with dependencies."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PlanStep(BaseModel):
    """One step of a plan, delegated to one specialist."""

    id: str = Field(description="Short unique id for the step, e.g. 's1' or 'sales'.")
    specialist: str = Field(description="Name of the specialist that does this step.")
    objective: str = Field(description="What the specialist must find out or produce.")
    depends_on: list[str] = Field(
        default_factory=list,
        description="Ids of steps whose reports this step needs; empty when independent.",
    )
    reuse: str | None = Field(
        default=None,
        description="Key of an earlier report (e.g. '1.s1') that already answers this "
        "objective; the step is then not run again.",
    )
    memories: list[str] = Field(
        default_factory=list, description="Ids of the user's memories it needs."
    )


class Plan(BaseModel):
    """The steps the orchestrator delegates; no steps means it answers directly."""

    steps: list[PlanStep] = Field(
        default_factory=list,
        description="Steps to delegate. Leave empty when the request needs no specialist.",
    )
    need: str | None = Field(
        default=None,
        description="Only when no listed specialist fits (part of) the request: the kind of "
        "specialist you need, in a few words; you will be shown more.",
    )
