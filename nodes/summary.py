"""The rolling summary: each finished turn adds a line; past its limit, the model rewrites it."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import (
    AnyMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
)
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from nodes.archive_access import Archives
from nodes.calls import model_call
from nodes.faces import Body, both_faces
from nodes.failed_calls import kept_if_failed
from nodes.model_access import ModelFor, ToolBound, context_of, unstreamed, usage_of
from nodes.notices import told
from nodes.progress import question_of
from nodes.prompts import SUMMARIZER_PROMPT
from state.context import Context
from state.graph_state import OrchestraState

QUESTION_CHARS, ANSWER_CHARS = 200, 240


def turn_line(state: OrchestraState, answer: str) -> str:
    """Return the line a finished turn adds to the summary: the question, the answer's start."""
    question = " ".join(question_of(list(state.get("messages", []))).split())[:QUESTION_CHARS]
    answer = " ".join(answer.split())[:ANSWER_CHARS]
    return f"Turn {state.get('turn', 0)}: asked {question!r}; answered: {answer}"


def close_turn(state: OrchestraState, ctx: Context, answer: str) -> tuple[dict[str, Any], bool]:
    """Return the update that files a finished turn, and whether the summary must shrink.

    The turn's line joins the summary and the chat drops turns beyond its window, in the
    finalize node's own update; only a summary past its limit costs a model call, made by
    the summarize node.
    """
    summary = "\n".join(s for s in (state.get("summary", ""), turn_line(state, answer)) if s)
    update = {
        "summary": summary,
        "messages": trimmed(list(state.get("messages", [])), ctx.chat_turns),
    }
    return update, len(summary) > ctx.summary_chars


def capped(text: str, limit: int) -> str:
    """Return the text's last `limit` characters, from a line's start where one is near."""
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    cut = tail.find("\n")
    return tail[cut + 1 :] if 0 <= cut < limit // 2 else tail


def trimmed(messages: list[AnyMessage], keep_turns: int) -> list[RemoveMessage]:
    """Return removals for the messages before the last `keep_turns` questions."""
    questions = [i for i, m in enumerate(messages) if m.type == "human"]
    if len(questions) <= keep_turns or keep_turns < 0:
        return []
    cut = questions[-keep_turns] if keep_turns else len(messages)
    return [RemoveMessage(id=m.id) for m in messages[:cut] if m.id]


def make_summary_node(model_for: ModelFor, archives: Archives):
    """Return the summarize node: the model rewrites a summary grown past its limit."""
    # The model with the summary's output limit, bound once per model.
    limited = ToolBound([])

    def prompt_for(state: OrchestraState, ctx: Context) -> list[BaseMessage]:
        # About half the limit, so the next rewrite is several turns away.
        words = max(20, ctx.summary_chars // 12)
        return [
            SystemMessage(SUMMARIZER_PROMPT.format(words=words)),
            HumanMessage(state.get("summary", "")),
        ]

    def conclude(
        state: OrchestraState, ctx: Context, reply: BaseMessage, attempts: int
    ) -> dict[str, Any]:
        text = reply.text.strip() or state.get("summary", "")
        return {
            # Whatever the model wrote, the planner's prompt stays bounded.
            "summary": capped(text, ctx.summary_chars),
            "orchestrator_usage": {str(state.get("turn", 0)): usage_of(reply, attempts)},
        }

    def summarize(state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Rewrite the rolling summary shorter."""
        ctx = context_of(runtime)
        model = limited(model_for("orchestrator", ctx), ctx.sampling("summary"))
        prompt = prompt_for(state, ctx)
        call = model_call(model, prompt, unstreamed(config), ctx, "summarizer", told(state))
        at = (state.get("turn", 0), "summarize", "summarizer")
        done = yield kept_if_failed(call, archives(runtime, config), at)
        return conclude(state, ctx, done.value, done.attempts)

    return both_faces("summarize", summarize)
