"""Human review in LangChain's human-in-the-loop format: one request, one decision per action."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from langchain.agents.middleware.human_in_the_loop import (
    ActionRequest,
    DecisionType,
    HITLRequest,
    InterruptOnConfig,
    ReviewConfig,
)
from langchain_core.tools import BaseTool
from langgraph.types import interrupt
from pydantic import BaseModel, Discriminator, TypeAdapter, ValidationError, model_validator

ALL_DECISIONS: list[DecisionType] = ["approve", "edit", "reject"]

EditCheck = Callable[[str, dict[str, Any]], None]
"""Raise ValueError when an edited action's arguments are not acceptable."""


class Action(BaseModel):
    """An action as a reviewer edited it: the same name, new arguments."""

    name: str
    args: dict[str, Any]


class Approve(BaseModel):
    """Run the action as requested."""

    type: Literal["approve"]


class Edit(BaseModel):
    """Run the action with the reviewer's arguments."""

    type: Literal["edit"]
    edited_action: Action


class Reject(BaseModel):
    """Run nothing; the message goes back to whoever asked."""

    type: Literal["reject"]
    message: str | None = None


Decision = Annotated[Approve | Edit | Reject, Discriminator("type")]
DECISIONS: TypeAdapter[list[Decision]] = TypeAdapter(list[Decision])


def tool_args_check(tools: Mapping[str, BaseTool]) -> EditCheck:
    """Return the check an edited tool call must pass: the tool's own argument schema."""

    def check(name: str, args: dict[str, Any]) -> None:
        if name not in tools:
            return  # an action a remote agent asked about (A2A): the agent checks its own
        try:
            tools[name].tool_call_schema.model_validate(args)  # type: ignore[union-attr]
        except ValidationError as exc:
            raise ValueError(f"edited arguments for '{name}' are invalid: {exc}") from None

    return check


def review_config(name: str, setting: bool | InterruptOnConfig | None) -> ReviewConfig | None:
    """Return an action's review config from an `interrupt_on` entry, or None if ungated."""
    if not setting:
        return None
    allowed = ALL_DECISIONS if setting is True else list(setting["allowed_decisions"])
    return ReviewConfig(action_name=name, allowed_decisions=allowed)


def decision_schema(request: HITLRequest, check_edit: EditCheck | None = None) -> type[BaseModel]:
    """Return the resume schema: one allowed decision per action, in order, edits checked."""
    actions = request["action_requests"]
    allowed = {c["action_name"]: c["allowed_decisions"] for c in request["review_configs"]}

    class Decisions(BaseModel):
        """The reviewer's answer: `{"decisions": [...]}`, one per action request."""

        decisions: list[Decision]

        @model_validator(mode="after")
        def _match_requests(self) -> Decisions:
            if len(self.decisions) != len(actions):
                raise ValueError(
                    f"expected {len(actions)} decision(s), one per action request, "
                    f"got {len(self.decisions)}"
                )
            for action, decision in zip(actions, self.decisions, strict=True):
                name = action["name"]
                if decision.type not in allowed.get(name, []):
                    raise ValueError(
                        f"decision '{decision.type}' is not allowed for '{name}'; "
                        f"allowed: {', '.join(allowed.get(name, []))}"
                    )
                if isinstance(decision, Edit):
                    if decision.edited_action.name != name:
                        raise ValueError(
                            f"an edit of '{name}' must keep its name, "
                            f"not '{decision.edited_action.name}'"
                        )
                    if check_edit is not None:
                        check_edit(name, decision.edited_action.args)
            return self

    return Decisions


def ask_review(
    actions: Sequence[ActionRequest],
    configs: Sequence[ReviewConfig],
    check_edit: EditCheck | None = None,
) -> list[Approve | Edit | Reject]:
    """Pause for review and return the decisions; a malformed answer can be given again."""
    request = HITLRequest(action_requests=list(actions), review_configs=list(configs))
    # LangGraph validates the resume value against the schema before saving it, so a bad
    # answer fails that resume with the reason and leaves the interrupt open.
    answer = interrupt(request, response_schema=decision_schema(request, check_edit))
    return list(answer.decisions)  # type: ignore[attr-defined]


def rejection_text(name: str, decision: Reject) -> str:
    """Return what the requester is told when the reviewer rejects its action."""
    if decision.message:
        return f"User rejected the tool call for `{name}` with reason: {decision.message}"
    return (
        f"User rejected the tool call for `{name}`. The tool was not executed. "
        "Do not retry it unless the user asks for it."
    )


def approve_all(request: Mapping[str, Any]) -> dict[str, Any]:
    """Return the resume value that approves every action of a HITL request."""
    return {"decisions": [{"type": "approve"} for _ in request.get("action_requests", [])]}


def reject_all(request: Mapping[str, Any], message: str) -> dict[str, Any]:
    """Return the resume value that rejects every action of a HITL request, saying why."""
    reject = {"type": "reject", "message": message}
    return {"decisions": [dict(reject) for _ in request.get("action_requests", [])]}
