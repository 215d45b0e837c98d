"""The finalize node: the orchestrator writes the answer from this turn's reports."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.archive_access import Archives
from nodes.calls import model_call
from nodes.earlier import render_summary
from nodes.faces import Body, both_faces
from nodes.failed_calls import failed_call, filing, kept_if_failed
from nodes.guards.asking import pending_review
from nodes.guards.checks import Scope
from nodes.guards.events import turn_events
from nodes.guards.screen import GuardrailError, Guards, Trip, blocked_text
from nodes.memory import Memories
from nodes.model_access import ModelFor, ToolBound, context_of, usage_of
from nodes.notices import told
from nodes.progress import progress_message, question_of
from nodes.prompts import DIRECT_PROMPT, FINALIZER_PROMPT
from nodes.summary import close_turn
from state.context import Context
from state.graph_state import OrchestraState, add_usage
from state.ledger import FINISHED, read_ledger
from state.reports import read_reports


def render_reports(state: OrchestraState) -> str:
    """Render this turn's step outcomes for the finalizer."""
    turn = state.get("turn", 0)
    reports = read_reports(state.get("reports", {}))
    lines: list[str] = []
    for key, rec in read_ledger(state.get("ledger", {})).items():
        if rec.turn != turn:
            continue
        lines.append(f"## Step {rec.id} ({rec.specialist}): {rec.objective}")
        lines.append(f"Status: {rec.status}")
        report = reports.get(key)
        if rec.status in FINISHED and report is not None:
            # A step that ended without a summary is said to have, never passed over.
            lines.append(report.summary.strip() or NO_SUMMARY)
            if report.sources:
                lines.append("Sources: " + "; ".join(report.sources))
            if report.artifacts:
                lines.append("Artifacts: " + ", ".join(report.artifacts))
        elif rec.error:
            lines.append(f"Error: {rec.error}")
        lines.append("")
    return "\n".join(lines)


def closing(
    state: OrchestraState,
    ctx: Context,
    text: str,
    reply_id: str | None,
    remember: bool = False,
    **more: Any,
) -> Command[Any]:
    """Return the update that writes the answer and closes the turn.

    A summary past its limit is shortened, and with memory on the turn is remembered: both
    after the answer is written, side by side.
    """
    # The answer keeps the streamed reply's id, so a chat client replaces what it
    # streamed instead of showing the answer twice.
    # A stop (a spent budget, a step given up on) is said in the answer itself.
    note = state.get("note") or ""
    stopped = note.startswith(("stopped", "gave up"))
    text = f"{text}\n\n({note})" if stopped else text
    answer = AIMessage(content=text, name="orchestra", id=reply_id)
    filed, too_long = close_turn(state, ctx, text)
    update = {
        **more,
        **filed,
        "messages": [
            *filed["messages"],
            *progress_message(state, note=progress_note(state)),
            answer,
        ],
        "status": "done",
        "replan_reason": None,
        "plan_error": None,
        "guard_pending": None,
        "guard_feedback": None,
    }
    after = [*(["summarize"] if too_long else []), *(["remember"] if remember else [])]
    return Command(goto=after or END, update=update)


NO_SUMMARY = "(The step ended without a summary; nothing it found can be quoted.)"


class EmptyAnswerError(RuntimeError):
    """The orchestrator's model wrote an empty answer, even when asked once more."""


EMPTY_REPLY = "Your last reply was empty. Write the answer now, as plain text."


def make_finalize_node(model_for: ModelFor, guards: Guards, memories: Memories, archives: Archives):
    """Return the finalize node."""
    # The model with the answer's output limit, bound once per model.
    limited = ToolBound([])

    def prompt_for(state: OrchestraState) -> list[BaseMessage]:
        # The question, the rolling summary and this turn's reports: never the whole thread.
        earlier = render_summary(state.get("summary", ""))
        question = question_of(list(state.get("messages", [])))
        steps = render_reports(state)
        if not steps:
            return [SystemMessage(DIRECT_PROMPT), HumanMessage(f"{earlier}{question}")]
        note = f"\nNote: {state['note']}" if state.get("note") else ""
        request = f"{earlier}Request: {question}\n\nReports:\n{steps}{note}"
        return [SystemMessage(FINALIZER_PROMPT), HumanMessage(request)]

    def conclude(
        state: OrchestraState,
        ctx: Context,
        reply: BaseMessage,
        usage: dict[str, int],
        config: RunnableConfig,
    ) -> Command[Any]:
        turn = state.get("turn", 0)
        spent = {"orchestrator_usage": {str(turn): usage}}
        remember = memories.after(state, ctx)
        try:
            return screened_answer(
                guards, state, ctx, reply.text, reply.id, config, remember=remember, **spent
            )
        except GuardrailError:
            # The answer is kept and checked again in a node with no model call, where the
            # error stops the run: `resume` checks again without writing the answer again.
            held = {"stage": "answer", "text": reply.text, "id": reply.id, "unchecked": True}
            return Command(goto="guard_review", update={**spent, "guard_pending": held})

    def finalize(state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Write the final answer and close the turn; an empty answer is asked for once more."""
        ctx = context_of(runtime)
        archive, turn = archives(runtime, config), state.get("turn", 0)
        model = limited(model_for("orchestrator", ctx), ctx.sampling("answer"))
        prompt = prompt_for(state)
        usage: dict[str, int] = {}
        errors: list[str] = []
        for asked in (prompt, once_more(prompt)):
            call = model_call(model, asked, config, ctx, "finalizer", told(state))
            at = (turn, "finalize", "finalizer")
            done = yield kept_if_failed(call, archive, at, usage, errors)
            usage = add_usage(usage, usage_of(done.value, done.attempts))
            if done.value.text.strip():
                return conclude(state, ctx, done.value, usage, config)
            errors += [*done.faults, "the answer was empty"]
        # An empty answer never ends a turn as done: the run stops here, and resumes here.
        yield filing(archive, failed_call(turn, "finalize", "finalizer", errors, usage))
        raise EmptyAnswerError(
            "the orchestrator's model returned an empty answer, twice (it was asked once more)"
        )

    return both_faces("finalize", finalize)


def screened_answer(
    guards: Guards,
    state: OrchestraState,
    ctx: Context,
    text: str,
    reply_id: str | None,
    config: RunnableConfig,
    remember: bool = False,
    **more: Any,
) -> Command[Any]:
    """Run the answer's guardrails, then show it, withhold it, or ask about it.

    `remember`: the turn is remembered once the answer is shown (memory on, something to keep).
    """
    turn = state.get("turn", 0)
    # What the answer may draw its figures from: the question, the reports, the summary.
    sources = [render_reports(state), state.get("summary", "")]
    scope = Scope(question=question_of(list(state.get("messages", []))), reports=sources)
    screened = guards.screen("answer", text, scope, config)
    events = {"guardrails": screened.events(turn)} if screened.trips else {}
    if screened.asks and not screened.blocked:
        # Asked in a node of its own: a pause here would call the model again.
        waiting = {**pending_review("answer", screened.text, screened.asks), "id": reply_id}
        return Command(goto="guard_review", update={**more, **events, "guard_pending": waiting})
    shown = withheld(screened.blocked) if screened.blocked else screened.text
    return closing(state, ctx, shown, reply_id, remember, **more, **events)


def once_more(prompt: list[BaseMessage]) -> list[BaseMessage]:
    """Return the finalizer's request again, with a word on the empty reply it gave."""
    # Said in the last message: some chat templates refuse two user messages in a row.
    *head, last = prompt
    return [*head, HumanMessage(f"{last.text}\n\n{EMPTY_REPLY}")]


def withheld(trip: Trip) -> str:
    """Return what stands in for an answer a guardrail blocked."""
    return f"The answer was withheld: {blocked_text(trip)}."


def progress_note(state: OrchestraState) -> str:
    """Return the progress message's closing note: why the turn stopped, what was blocked."""
    blocks = [
        f"guardrail {e['name']} blocked the {e['stage'].replace('_', ' ')}"
        + (f" of step {e['step'].split('.', 1)[-1]}" if e.get("step") else "")
        for e in turn_events(state)
        if e.get("action") == "block" or e.get("decision") == "reject"
    ]
    return "; ".join(x for x in (state.get("note") or "", *blocks) if x)
