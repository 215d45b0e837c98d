"""A step starts when its own inputs are ready, never waiting for steps it does not depend on.

The plan: s1 (numbers) quick, s2 (memos) slow and unrelated, s3 (numbers) needs s1 only.
s2's model call holds until s3's first model call is seen; were s3 to wait for s2 (a
superstep barrier), s2 would give up after a timeout and the test fails rather than hangs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from langgraph.checkpoint.memory import InMemorySaver

from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, plan, step
from tests.unit_tests.team import TEAM, team_graph, thread

# s1 and s2 unrelated, s3 needs s1 only; then the answer.
ASYMMETRIC = [
    plan(
        step("s1", "numbers", "Find revenue"),
        step("s2", "memos", "Recall memos on returns"),
        step("s3", "numbers", "Divide revenue by orders", "s1"),
    ),
    answer("Done."),
]
# Long enough for a loaded machine; short enough that a barrier fails the test quickly.
WAIT_S = 10.0


def asymmetric() -> tuple[dict[str, Any], threading.Event, list[bool]]:
    """Return the script, the event s3's first call sets, and whether s2 saw it in time."""
    s3_started = threading.Event()
    seen: list[bool] = []

    def slow_unrelated(messages: Sequence[BaseMessage]) -> dict[str, Any]:
        seen.append(s3_started.wait(WAIT_S))
        return answer("Nothing unusual.")

    def dependent(messages: Sequence[BaseMessage]) -> dict[str, Any]:
        assert "1.2M" in messages[-1].text  # s1's report is in s3's brief
        s3_started.set()
        return answer("Revenue per order: 1.2M / 42.")

    script = {
        "orchestrator": ASYMMETRIC,
        "numbers:s1": [answer("1.2M")],
        "memos:s2": slow_unrelated,
        "numbers:s3": dependent,
    }
    return script, s3_started, seen


def test_a_dependent_step_starts_before_its_unrelated_sibling_ends() -> None:
    script, _, seen = asymmetric()
    graph, model = team_graph(script)
    out = graph.invoke({"messages": [("user", "Revenue per order?")]}, thread())
    assert seen == [True], "s3 waited for s2, which it does not depend on"
    assert out["messages"][-1].text == "Done." and model.repeats == []
    ledger = graph.get_state(thread()).values["ledger"]
    assert [ledger[k]["status"] for k in ("1.s1", "1.s2", "1.s3")] == ["done"] * 3


class OffLoopModel(ScriptedChatModel):
    """The scripted model answering in a worker thread, so a held reply holds no event loop."""

    async def _agenerate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, *_: Any, **kwargs: Any
    ) -> ChatResult:
        return await asyncio.to_thread(self._generate, messages, stop, None, **kwargs)


def test_a_dependent_step_starts_before_its_unrelated_sibling_ends_async() -> None:
    script, _, seen = asymmetric()
    model = OffLoopModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=TEAM)
    question = {"messages": [("user", "Revenue per order?")]}
    asyncio.run(graph.ainvoke(question, thread()))
    assert seen == [True], "s3 waited for s2, which it does not depend on"


class Crash(BaseException):
    """A stand-in for the process dying mid-call (no step catches it)."""


def test_a_run_that_dies_in_a_dependent_resumes_each_step_where_it_was() -> None:
    died: list[bool] = []

    def dies_once(messages: Sequence[BaseMessage]) -> dict[str, Any]:
        if not died:
            died.append(True)
            raise Crash
        return answer("Revenue per order: 1.2M / 42.")

    script = {
        "orchestrator": ASYMMETRIC,
        "numbers:s1": [call("lookup", key="revenue"), answer("1.2M")],
        "memos:s2": [call("recall", topic="returns"), answer("Nothing unusual.")],
        "numbers:s3": [call("lookup", key="revenue"), dies_once],
    }
    graph, model = team_graph(script)
    question = {"messages": [("user", "Revenue per order?")]}
    with pytest.raises(Crash):
        graph.invoke(question, thread())
    assert graph.get_state(thread()).next == ("dispatch",)
    calls = len(model.calls)
    out = graph.invoke(None, thread())
    # Only the call that died is asked again, then the answer: s1, s2 and s3's first call
    # (each in its own subgraph's checkpoint) are not.
    assert out["messages"][-1].text == "Done."
    assert [(c.step, c.position) for c in model.repeats] == [("s3", 1)]
    assert [c.step for c in model.calls[calls:]] == ["s3", ""]
