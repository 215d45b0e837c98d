"""The benchmark's stand-in model: a scripted policy, with an optional fixed latency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from graph.scripted import ScriptedChatModel

PolicyFn = Callable[[str, list[BaseMessage]], dict[str, Any]]


def _no_policy(role: str, messages: list[BaseMessage]) -> dict[str, Any]:
    raise RuntimeError(f"no benchmark policy set for role '{role}'")


class BenchModel(ScriptedChatModel):
    """A scripted model whose replies come from a swappable policy, after `latency_s`."""

    latency_s: float = 0.0
    policy: Any = _no_policy

    def use(self, policy: PolicyFn) -> None:
        """Answer from this policy from now on (one task at a time)."""
        self.policy = policy
        self.calls.clear()

    def _next_reply(self, role: str) -> tuple[int, Any]:
        # Every call asks the policy, which reads the conversation rather than a turn index.
        policy = self.policy
        return 0, lambda messages: policy(role, messages)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # The fixed latency of a real model, without blocking the event loop.
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        return await super()._agenerate(messages, stop, run_manager, **kwargs)
