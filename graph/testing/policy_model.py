"""A scripted model driven by a policy (a function of the role and the request), with latency.

The benchmark plays one task at a time through it; `orchestra eval --sample` plays the whole
sample dataset at once (graph/testing/playbook.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from graph.testing import Choice, ScriptedChatModel, role_of, step_of

PolicyFn = Callable[[str, list[BaseMessage]], dict[str, Any]]


def _no_policy(role: str, messages: list[BaseMessage]) -> dict[str, Any]:
    raise RuntimeError(f"no policy set for role '{role}'")


class PolicyModel(ScriptedChatModel):
    """A scripted model whose replies come from a swappable policy, after `latency_s`."""

    latency_s: float = 0.0
    policy: Any = _no_policy

    def use(self, policy: PolicyFn) -> None:
        """Answer from this policy from now on."""
        self.policy = policy
        self.calls.clear()

    def choose(self, messages: list[BaseMessage], digest: str) -> Choice:
        """Ask the policy, which reads the conversation as the script would."""
        role, policy = role_of(messages), self.policy
        return Choice(role, step_of(messages), 0, lambda m: policy(role, m), False)

    async def _agenerate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        # The fixed latency of a real model, without blocking the event loop.
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        return await super()._agenerate(messages, *args, **kwargs)
