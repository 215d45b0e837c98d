"""A chat client on `langgraph dev`, as agent-chat-ui drives it through langgraph_sdk."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from tests.integration_tests.studio import COUNT_SQL, Studio

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]

RUN_S = 60
# How agent-chat-ui streams a run: values for the thread, message tuples, subgraphs on.
CHAT = {"stream_mode": ["values", "messages-tuple", "updates", "custom"], "stream_subgraphs": True}
QUESTION = "How many orders are there? Write a report."
APPROVE = {"decisions": [{"type": "approve"}]}
ORCHESTRATOR_NODES = {"plan", "approve_plan", "dispatch", "finalize"}
SPECIALIST_WORDS = ["You are sql_analyst", "You are report_writer", "Step count:", "SELECT"]


async def run(client: Any, thread_id: str, **kwargs: Any) -> list[Any]:
    """Stream one run to its end as a chat client does, bounded; return its events."""

    async def collect() -> list[Any]:
        events = client.runs.stream(thread_id, "orchestrator", **CHAT, **kwargs)
        return [part async for part in events]

    return await asyncio.wait_for(collect(), RUN_S)


def errors(parts: list[Any]) -> list[Any]:
    return [p.data for p in parts if p.event == "error"]


def assert_only_orchestra_messages(parts: list[Any], specialist: str) -> None:
    """No message event carries a specialist's prompt, brief, tool call or tool result."""
    streamed = [p for p in parts if p.event.startswith("messages")]
    assert streamed, [p.event for p in parts]
    for part in streamed:
        assert "|" not in part.event, f"a subgraph's message reached the client: {part.event}"
        message, meta = part.data
        assert meta["langgraph_node"] in ORCHESTRATOR_NODES, meta["langgraph_node"]
        assert message["type"] in ("ai", "AIMessageChunk"), message["type"]
        assert not message.get("tool_calls") and not message.get("tool_call_chunks")
        assert not any(word in str(message["content"]) for word in SPECIALIST_WORDS), message
    # Studio's subgraph view still gets a specialist's own state updates.
    assert any(p.event.startswith(f"updates|{specialist}:") for p in parts)


def real_order_count(studio: Studio) -> int:
    [database] = studio.home.rglob("business.db")
    with sqlite3.connect(database) as conn:
        return int(conn.execute(COUNT_SQL).fetchone()[0])


def reports_of(studio: Studio, thread_id: str) -> list[str]:
    return sorted(p.name for p in (studio.home / "runs" / thread_id).glob("*.md"))


async def approve_twice_across_turns(studio: Studio) -> None:
    client = studio.client()
    thread_id = (await client.threads.create())["thread_id"]
    question = {"messages": [{"role": "user", "content": QUESTION}]}
    parts = await run(client, thread_id, input=question)
    assert not errors(parts), errors(parts)
    assert_only_orchestra_messages(parts, "sql_analyst")

    # The approval waits in LangChain's HITL format, where a client reading the thread finds it.
    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["approve_steps"]
    [pending] = state["interrupts"]
    assert pending["value"] == {
        "action_requests": [
            {
                "name": "write_report",
                "args": {"title": "Order count", "body_markdown": "The orders were counted."},
                "description": "report_writer wants to run write_report for step write: "
                "Write a one-line report of the count.",
            }
        ],
        "review_configs": [
            {"action_name": "write_report", "allowed_decisions": ["approve", "edit", "reject"]}
        ],
    }
    assert [t["name"] for t in state["tasks"] if t["interrupts"]] == ["approve_steps"]
    thread = await client.threads.get(thread_id)
    assert thread["status"] == "interrupted"
    # The thread's title (its first message) stays the question; only orchestra's messages.
    messages = thread["values"]["messages"]
    assert messages[0]["content"] == QUESTION
    assert [m["type"] for m in messages] == ["human", "ai"]
    assert "count · sql_analyst" in messages[1]["content"]
    assert reports_of(studio, thread_id) == []

    parts = await run(client, thread_id, command={"resume": APPROVE})
    assert not errors(parts), errors(parts)
    assert_only_orchestra_messages(parts, "report_writer")
    values = (await client.threads.get_state(thread_id))["values"]
    assert values["status"] == "done"
    assert [m["type"] for m in values["messages"]] == ["human", "ai", "ai"]
    progress, answer = values["messages"][1]["content"], values["messages"][2]["content"]
    assert "— done" in progress and "running" not in progress and "waiting" not in progress
    # The answer's fact is the database's, and it is a synthesis, not the reports pasted.
    assert answer == f"There are {real_order_count(studio)} orders (step count)."
    assert reports_of(studio, thread_id) == ["report.md"]

    # An approval on the second turn of the thread is just as visible.
    again = {"messages": [{"role": "user", "content": "Write the report again."}]}
    parts = await run(client, thread_id, input=again)
    assert not errors(parts), errors(parts)
    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["approve_steps"]
    assert state["interrupts"][0]["value"]["action_requests"][0]["name"] == "write_report"
    assert (await client.threads.get(thread_id))["status"] == "interrupted"
    await run(client, thread_id, command={"resume": APPROVE})
    assert len(reports_of(studio, thread_id)) == 2


def test_approvals_across_turns_show_in_the_thread_and_the_chat_shows_no_internals(
    studio: Studio,
) -> None:
    asyncio.run(approve_twice_across_turns(studio))


async def edit_reject_and_bad_answers(studio: Studio) -> None:
    client = studio.client()
    question = {"messages": [{"role": "user", "content": QUESTION}]}

    edit_thread = (await client.threads.create())["thread_id"]
    await run(client, edit_thread, input=question)
    # A malformed answer fails that resume with the reason and leaves the approval open.
    bad = await run(client, edit_thread, command={"resume": {"approved": True}})
    assert errors(bad) and "decisions" in str(errors(bad))
    state = await client.threads.get_state(edit_thread)
    assert state["next"] == ["approve_steps"] and len(state["interrupts"]) == 1
    edited = {"name": "write_report", "args": {"title": "Edited", "body_markdown": "Edited."}}
    edit = {"decisions": [{"type": "edit", "edited_action": edited}]}
    parts = await run(client, edit_thread, command={"resume": edit})
    assert not errors(parts), errors(parts)
    written = studio.home / "runs" / edit_thread / "report.md"
    assert written.read_text().startswith("# Edited")

    reject_thread = (await client.threads.create())["thread_id"]
    await run(client, reject_thread, input=question)
    reject = {"decisions": [{"type": "reject", "message": "not before the audit"}]}
    parts = await run(client, reject_thread, command={"resume": reject})
    assert not errors(parts), errors(parts)
    assert reports_of(studio, reject_thread) == []
    told = studio.model.calls_for("report_writer")[-1]["request"]["messages"][-1]
    assert told["role"] == "tool" and "with reason: not before the audit" in told["content"]


def test_edit_runs_the_edited_call_reject_runs_nothing_bad_answers_are_errors(
    studio: Studio,
) -> None:
    asyncio.run(edit_reject_and_bad_answers(studio))


async def sign_off_then_fail_a_step(studio: Studio) -> None:
    client = studio.client()
    thread_id = (await client.threads.create())["thread_id"]
    review = {"review_plan": True}
    counted = len(studio.model.calls_for("sql_analyst"))
    question = {"messages": [{"role": "user", "content": QUESTION}]}
    parts = await run(client, thread_id, input=question, context=review)
    assert not errors(parts), errors(parts)
    state = await client.threads.get_state(thread_id)
    assert state["next"] == ["approve_plan"]
    action = state["interrupts"][0]["value"]["action_requests"][0]
    assert action["name"] == "execute_plan"
    assert [s["id"] for s in action["args"]["steps"]] == ["count", "write"]
    assert len(studio.model.calls_for("sql_analyst")) == counted  # nothing ran yet
    await run(client, thread_id, command={"resume": APPROVE}, context=review)
    state = await client.threads.get_state(thread_id)
    assert state["interrupts"][0]["value"]["action_requests"][0]["name"] == "write_report"

    # A step that fails inside the server is logged there and shown as failed.
    broken = (await client.threads.create())["thread_id"]
    ask = {"messages": [{"role": "user", "content": "Count the orders (broken model)."}]}
    limits = {"retry_attempts": 1, "max_replans": 0}
    parts = await run(client, broken, input=ask, context=limits)
    assert not errors(parts), errors(parts)
    values = (await client.threads.get_state(broken))["values"]
    assert values["ledger"]["1.broken"]["status"] == "failed"
    assert "— failed" in values["messages"][1]["content"]
    # the answer says the step failed, and the note on why the turn stopped
    answer = values["messages"][-1]["content"]
    assert answer.startswith("Nothing counted. Step broken failed.")
    assert "gave up after 0 replans: step broken (sql_analyst) failed" in answer
    assert "step 1.broken (sql_analyst) failed" in studio.log.read_text()


def test_plan_sign_off_and_a_failed_step_through_the_server(studio: Studio) -> None:
    asyncio.run(sign_off_then_fail_a_step(studio))
