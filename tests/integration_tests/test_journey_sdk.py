"""A user's three-turn thread through `langgraph dev`, driven as agent-chat-ui drives it.

langgraph-sdk streams each run with values, message tuples and updates from subgraphs on;
the approval is read from the thread's state and answered with an edit. Turn 1 counts 2025's
orders, turn 2 writes a report of that (reusing turn 1's count), turn 3 compares with 2024
(reusing it again). The chat view and every answer are checked against the sample database
in the server's home, and the scripted model's log shows no completed call made twice.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from typing import Any

import pytest

from tests.integration_tests.studio import Studio, ask
from tests.journey import year_count_sql

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]

RUN_S = 60
CHAT = {"stream_mode": ["values", "messages-tuple", "updates"], "stream_subgraphs": True}
QUESTIONS = (
    "Journey: how many orders were placed in 2025?",
    "Journey: write a report of that.",
    "Journey: and how many in 2024, compared with 2025?",
)
PROGRESS = "orchestra-progress"


async def run(client: Any, thread_id: str, **kwargs: Any) -> list[Any]:
    """Stream one run to its end as a chat client does, bounded; return its events."""

    async def collect() -> list[Any]:
        events = client.runs.stream(thread_id, "orchestrator", **CHAT, **kwargs)
        return [part async for part in events]

    parts = await asyncio.wait_for(collect(), RUN_S)
    assert not [p.data for p in parts if p.event == "error"], parts
    return parts


def chat_of(parts: list[Any]) -> list[tuple[str, str | None]]:
    """Return the chat view the run's last `values` event left: each message's type, name."""
    values = [p.data for p in parts if p.event == "values"][-1]
    return [(m["type"], m.get("name")) for m in values["messages"]]


def streamed_answer(parts: list[Any]) -> str:
    """Return the text the finalizer's message tuples streamed to the chat."""
    said = [p.data for p in parts if p.event == "messages"]
    return "".join(m["content"] for m, meta in said if meta["langgraph_node"] == "finalize")


async def walk(studio: Studio) -> None:
    with closing(sqlite3.connect(studio.home / "sample" / "business.db")) as conn:
        orders = {y: conn.execute(year_count_sql(y)).fetchone()[0] for y in (2024, 2025)}
    said = {y: f"There were {n} orders in {y}." for y, n in orders.items()}
    client = studio.client()
    thread_id = (await client.threads.create())["thread_id"]
    report = studio.home / "runs" / thread_id / "report.md"
    asked_before = len(studio.model.requests)
    turn = [("human", None), ("ai", PROGRESS), ("ai", "orchestra")]

    parts = await run(client, thread_id, input=ask(QUESTIONS[0]))
    assert chat_of(parts) == turn
    values = (await client.threads.get_state(thread_id))["values"]
    assert values["messages"][-1]["content"] == f"Step j2025: {said[2025]}"
    assert streamed_answer(parts) == f"Step j2025: {said[2025]}"

    parts = await run(client, thread_id, input=ask(QUESTIONS[1]))
    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["approve_steps"]
    [pending] = state["interrupts"]
    [action] = pending["value"]["action_requests"]
    # The writer's brief held turn 1's reused report: its call states that fact.
    assert action["args"] == {"title": "Orders in 2025", "body_markdown": said[2025]}
    messages = state["values"]["messages"]
    assert [(m["type"], m.get("name")) for m in messages] == [
        *turn,
        ("human", None),
        ("ai", PROGRESS),
    ]
    assert messages[-1]["content"] == (
        "Plan (2 steps):\n"
        "1. jcite · sql_analyst: Count the orders placed in 2025. — reused an earlier report\n"
        "2. jwrite · report_writer: Write a report of the 2025 order count. — waiting for your "
        "approval"
    )
    assert not report.exists()

    edited = {"title": "Orders in 2025 (checked)", "body_markdown": f"Checked: {said[2025]}"}
    decision = {"type": "edit", "edited_action": {"name": "write_report", "args": edited}}
    parts = await run(client, thread_id, command={"resume": {"decisions": [decision]}})
    assert chat_of(parts) == turn * 2
    values = (await client.threads.get_state(thread_id))["values"]
    assert values["messages"][-1]["content"] == (
        f"Step jcite (reused): {said[2025]} Step jwrite: Report written to {report}"
    )
    # The edited call ran: the file holds the reviewer's title and body, once.
    assert report.read_text().startswith("# Orders in 2025 (checked)")
    assert f"Checked: {said[2025]}" in report.read_text()

    parts = await run(client, thread_id, input=ask(QUESTIONS[2]))
    more = orders[2025] - orders[2024]
    expected = (
        f"Step j2024: {said[2024]} Step jagain (reused): {said[2025]} "
        f"2025 had {abs(more)} {'more' if more >= 0 else 'fewer'} orders than 2024."
    )
    # The chat keeps the last two turns; each is its question, its progress and its answer.
    assert chat_of(parts) == turn * 2
    values = (await client.threads.get_state(thread_id))["values"]
    assert values["messages"][0]["content"] == QUESTIONS[1]
    assert values["messages"][-1]["content"] == expected
    assert streamed_answer(parts) == expected
    assert values["ledger"]["3.jagain"]["status"] == "reused"
    assert values["ledger"]["3.jagain"]["reused_from"] == "1.j2025"
    # Studio's subgraph view: only the new step ran a specialist on turn 3.
    assert {p.event.split("|")[1].split(":")[0] for p in parts if "|" in p.event} == {"sql_analyst"}

    asked = studio.model.requests[asked_before:]
    steps = [r["step"] for r in asked if r["role"] in ("sql_analyst", "report_writer")]
    assert steps == ["j2025", "j2025", "jwrite", "jwrite", "j2024", "j2024"]
    assert [r for r in asked if r["repeat"]] == []
    assert sorted(p.name for p in report.parent.glob("*.md")) == ["report.md"]


def test_a_chat_client_walks_a_three_turn_thread_with_an_edited_report_and_reuse(
    studio: Studio,
) -> None:
    asyncio.run(walk(studio))
