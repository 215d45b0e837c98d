"""The user's memories in a run: whose they are, which a new turn recalls, how they are shown.

A run's user is `user_id(config)` (state/users.py): the server's authenticated user, else
the caller's `user_id`, else the local one. Memory is on unless the team file or the
request's Context turns it off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from nodes.archive_access import Archives
from nodes.faces import Call
from nodes.guards.checks import Scope
from nodes.guards.screen import Guards
from nodes.progress import question_of
from state.context import Context
from state.guardrail_spec import Stage
from state.memories import Memory, within_budget
from state.memory_bank import MemoryBank
from state.users import user_id
from tools.secrets import redact

# What each memory's text is screened by before it is kept: the rules on what people write
# and on what they are told (a redacted email is never remembered).
SCREENING_STAGES: tuple[Stage, ...] = ("input", "answer")


class Memories:
    """Hands each node the memory bank of the user a run is for, when memory is on."""

    def __init__(self, archives: Archives, enabled: bool = True) -> None:
        # A graph without a Store keeps memories where it keeps its Archive, for its lifetime.
        self.archives, self.enabled = archives, enabled

    def on(self, ctx: Context) -> bool:
        """Return True when this run remembers and recalls."""
        return self.enabled and ctx.memory

    def after(self, state: Mapping[str, Any], ctx: Context) -> bool:
        """Return True when the turn just answered is worth the memory call.

        A question alone teaches little about the user: the call is made when the message
        says something besides asking (a preference, a definition, an instruction), or after
        every turn with `memory_findings`, to keep what the answers found.
        """
        if not self.on(ctx):
            return False
        return ctx.memory_findings or says_something(question_of(list(state.get("messages", []))))

    def __call__(
        self, runtime: Runtime[Context], config: RunnableConfig, ctx: Context
    ) -> MemoryBank | None:
        """Return the run's user's memory bank, or None with memory off."""
        if not self.on(ctx):
            return None
        return MemoryBank(runtime.store or self.archives.fallback, user_id(config))


def says_something(message: str) -> bool:
    """Return True when a message holds more than questions: a sentence not ending in '?'."""
    sentences = re.split(r"(?<=[.!?])\s+|\n+", message.strip())
    return any(s.strip() and not s.strip().endswith("?") for s in sentences)


def kept(value: Any) -> Call[Any]:
    """Return a call that only hands back a value it already has, in both faces."""

    async def same() -> Any:
        return value

    return Call(lambda: value, same)


def recalled(
    bank: MemoryBank | None, state: Mapping[str, Any], question: str, ctx: Context, fresh: bool
) -> Call[list[dict[str, Any]]]:
    """Return the memories a turn is planned with: recalled at its start, then kept."""
    if bank is None:
        return kept([])
    if not fresh:
        return kept(list((state.get("memory") or {}).get("used") or []))

    def shown(found: list[Memory]) -> list[dict[str, Any]]:
        return [m.source() for m in within_budget(found, ctx.memory_tokens)]

    async def arecall() -> list[dict[str, Any]]:
        return shown(await bank.arecall(question, ctx.recalled_memories))

    return Call(lambda: shown(bank.recall(question, ctx.recalled_memories)), arecall)


def render_recalled(used: Sequence[Mapping[str, Any]]) -> str:
    """Render the recalled memories for the planner, or nothing when there are none."""
    if not used:
        return ""
    lines = [f"- [{m['id']}] {m['text']} ({m['kind']})" for m in used]
    return "Known about the user (ids for a step's `memories`):\n" + "\n".join(lines) + "\n\n"


def screened_memory(
    guards: Guards, text: str, scope: Scope, config: RunnableConfig | None
) -> str | None:
    """Return a memory's text as it may be kept, or None when a guardrail refuses it.

    A rewrite (redact, mask, hash) is kept rewritten; a block, or an `ask` (nobody is asked
    after the answer), drops it. Secrets are masked as everywhere else.
    """
    for stage in SCREENING_STAGES:
        screened = guards.screen(stage, text, scope, config)
        if screened.blocked or screened.asks:
            return None
        text = screened.text
    return redact(text)
