"""After a turn: what is worth keeping about the user is extracted, then merged into memories.

Two nodes, so the extraction call is checkpointed before anything is stored: `remember` makes
the one model call (role `memory`, defaulting to the orchestrator's model) and keeps its
`MemoryUpdate` in the state; `store_memories` screens each memory with the guardrails and
merges it into the user's Store items, updating a known one it replaces. A failure while
storing reruns only the storing, never the call.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import merge_configs, var_child_runnable_config
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from nodes.calls import model_call
from nodes.faces import Body, both, both_faces
from nodes.guards.checks import Scope
from nodes.guards.screen import Guards
from nodes.memory import Memories, screened_memory
from nodes.model_access import ModelFor, ToolBound, context_of, usage_of
from nodes.progress import conversation, question_of
from nodes.prompts import MEMORY_PROMPT, MEMORY_REQUEST
from nodes.specialist.step import out_of_chat
from state.context import Context
from state.graph_state import OrchestraState
from state.memories import MemoryUpdate, memory_id, merged, read_update

# The answer's start is enough to find what it established; the whole would cost tokens.
ANSWER_CHARS = 400
MEMORY_TOOL = convert_to_openai_tool(MemoryUpdate)


def answer_of(state: OrchestraState) -> str:
    """Return the turn's answer: the last thing said that is not the question."""
    said = conversation(list(state.get("messages", [])))
    return said[-1].text if said and said[-1].type == "ai" else ""


def extraction_request(state: OrchestraState) -> list[BaseMessage]:
    """Return the memory call's messages: the known memories, the question, the answer."""
    used = (state.get("memory") or {}).get("used") or []
    known = "".join(f"- [{m['id']}] {m['text']} ({m['kind']})\n" for m in used)
    request = MEMORY_REQUEST.format(
        known=f"Known memories:\n{known}\n" if known else "",
        question=question_of(list(state.get("messages", []))),
        answer=answer_of(state)[:ANSWER_CHARS],
    )
    return [SystemMessage(MEMORY_PROMPT), HumanMessage(request)]


def make_remember_node(model_for: ModelFor):
    """Return the node that asks the memory model what the turn taught about the user."""
    binding = ToolBound([MEMORY_TOOL], tool_choice=MEMORY_TOOL["function"]["name"])

    def remember(state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Extract what is worth keeping from the turn; keep it in the state to be stored."""
        ctx = context_of(runtime)
        model = model_for.own("memory", ctx) or model_for("orchestrator", ctx)
        used = [m["id"] for m in (state.get("memory") or {}).get("used") or []]
        # Out of the chat, not even streamed (as a step is: the ambient config too, or the
        # model's binding merges the chat's handlers back); the trace says what it was shown.
        traced = out_of_chat(merge_configs(config, {"metadata": {"memories_shown": used}}))
        ambient = var_child_runnable_config.set(traced)
        try:
            request = extraction_request(state)
            bound = binding(model, ctx.sampling("memory"))
            done = yield model_call(bound, request, traced, ctx, "memory")
        finally:
            var_child_runnable_config.reset(ambient)
        calls = [c for c in getattr(done.value, "tool_calls", []) if c["name"] == "MemoryUpdate"]
        notes = read_update(calls[0]["args"] if calls else None)
        spent = {str(state.get("turn", 0)): usage_of(done.value, done.attempts)}
        if not notes.memories and not notes.forget:
            return Command(goto=END, update={"orchestrator_usage": spent})
        update = {"memory_notes": notes.model_dump(), "orchestrator_usage": spent}
        return Command(goto="store_memories", update=update)

    return both_faces("remember", remember)


def make_store_memories_node(memories: Memories, guards: Guards):
    """Return the node that merges the extracted memories into the user's own."""

    def store_memories(
        state: OrchestraState, runtime: Runtime[Context], config: RunnableConfig
    ) -> Body:
        """Screen each memory, then add it or update the one it replaces; forget withdrawn ones."""
        ctx = context_of(runtime)
        bank = memories(runtime, config, ctx)
        record = dict(state.get("memory") or {})
        notes = MemoryUpdate.model_validate(state.get("memory_notes") or {})
        if bank is None:
            return {"memory_notes": None}
        thread = str(config.get("configurable", {}).get("thread_id", ""))
        turn = state.get("turn", 0)
        shown = {str(m["id"]): str(m["text"]) for m in record.get("used") or []}
        same_text = {" ".join(text.lower().split()): key for key, text in shown.items()}
        question = question_of(list(state.get("messages", [])))
        scope = Scope(question=question, reports=[answer_of(state)])
        wrote: list[dict[str, Any]] = []
        for index, note in enumerate(notes.memories):
            text = screened_memory(guards, note.text, scope, config)
            if not text:
                continue
            # A known memory said again is that memory, whether or not the model said so.
            target = note.replaces if note.replaces in shown else None
            target = target or same_text.get(" ".join(text.lower().split()))
            earlier = (yield both(bank, "get", target)) if target else None
            key = earlier.id if earlier else memory_id(bank.user, thread, turn, index)
            note = note.model_copy(update={"text": text})
            memory = merged(note, key, earlier, (thread, turn), ctx.memory_ttl_days)
            yield both(bank, "put", memory)
            wrote.append({**memory.source(), "action": "updated" if earlier else "added"})
        forgot = [key for key in notes.forget if key in shown]
        for key in forgot:
            yield both(bank, "delete", key)
        record.update(turn=turn, wrote=wrote, forgot=forgot)
        return {"memory": record, "memory_notes": None}

    return both_faces("store_memories", store_memories)
