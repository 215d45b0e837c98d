"""A user's memory across threads on each Store: theirs alone, and gone once forgotten."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import psycopg
import pytest
from langchain_core.messages import BaseMessage, HumanMessage

from graph import build_graph
from graph.persistence.checkpoints import open_persistence
from graph.testing import ScriptedChatModel, answer, call, plan, step
from state.memory_bank import MemoryBank
from tests.unit_tests.team import NUMBERS

PREFERENCE = "From now on, give amounts in EUR."
SHOWN = re.compile(r"^- \[(\w+)\] ", re.MULTILINE)


def orchestrate(messages: list[BaseMessage]) -> dict[str, Any]:
    """Plan one revenue step that carries every memory the planner was shown, or answer."""
    if "the planner" not in messages[0].text:
        return answer("Revenue was 1.2M.")
    return plan(step("s1", "numbers", "Find revenue", memories=SHOWN.findall(messages[-1].text)))


async def journey(url: str) -> tuple[list[list[str]], dict[str, Any], Any]:
    """Alice states a preference, asks again in a new thread, Bob asks, Alice forgets it."""
    model = ScriptedChatModel(
        script={
            "orchestrator": orchestrate,
            "numbers": [call("lookup", key="revenue"), answer("revenue in 2025 was 1.2M")],
        }
    )
    requests: list[list[str]] = []
    async with open_persistence(url) as kept:
        graph = build_graph(kept.saver, {"default": model}, store=kept.store, specialists=[NUMBERS])

        async def ask(text: str, thread: str, user: str) -> None:
            before = len(model.calls)
            config = {"configurable": {"thread_id": thread, "user_id": user}}
            await graph.ainvoke({"messages": [HumanMessage(text)]}, config)
            requests.append([" ".join(m.text for m in c.messages) for c in model.calls[before:]])

        alice = MemoryBank(kept.store, "alice")
        await ask(f"{PREFERENCE} What was revenue in 2025?", "a1", "alice")
        [memory] = await alice.aall()
        await ask("What was revenue in 2025?", "a2", "alice")
        await ask("What was revenue last year?", "b1", "bob")
        await alice.adelete(memory.id)
        await ask("What was revenue in 2025, again?", "a3", "alice")
        state = (await graph.aget_state({"configurable": {"thread_id": "a2"}})).values
    return requests, {"memory": memory, "a2": state}, model


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgres"])
def test_a_preference_serves_its_user_s_next_thread_and_no_one_else_s(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = {
        "memory": lambda: "memory",
        "sqlite": lambda: f"sqlite:///{tmp_path / 'memory.sqlite'}",
        "postgres": lambda: request.getfixturevalue("postgres_url"),
    }[kind]()
    requests, seen, _ = asyncio.run(journey(url))
    memory = seen["memory"]
    assert (memory.text, memory.thread_id, memory.turn) == (PREFERENCE, "a1", 1)
    first, again, bob, forgotten = requests
    # Alice's new thread: in the plan request, and in the brief of the step it was given to.
    plan_request, brief = again[0], again[1]
    assert "the planner" in plan_request and f"[{memory.id}] {PREFERENCE}" in plan_request
    assert brief.startswith("You are numbers") and PREFERENCE in brief
    assert seen["a2"]["memory"]["used"][0]["id"] == memory.id
    # Bob's thread, and Alice's once she forgot it: in no request at all.
    for calls in (bob, forgotten):
        assert calls and not any("EUR" in text for text in calls)
    if kind == "postgres":
        # Found by Postgres's own full-text search: the column it keeps for memories.
        with psycopg.connect(url) as conn:
            column = "SELECT 1 FROM information_schema.columns WHERE column_name = 'orchestra_text'"
            assert conn.execute(column).fetchone() is not None
