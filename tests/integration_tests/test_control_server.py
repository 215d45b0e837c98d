"""Conversation control under `langgraph dev`, driven with langgraph-sdk.

A message while an approval, a plan sign-off or two parallel approvals wait supersedes them;
`runs.cancel` (with and without `wait`) leaves a resumable thread whose next run plans with
the steps that finished; each `multitask_strategy` leaves the thread as it promises. Runs are
held at a model request by the scripted server's `on_request` hook, never by a sleep.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from state.usage import spent
from tests.conftest import copy_sample
from tests.integration_tests.control_server import PROGRESS, SCRIPT, Hold, Thread, texts
from tests.integration_tests.studio import Studio, serve

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("control-server")]

APPROVE = {"decisions": [{"type": "approve"}]}
NO_REPORT = "no report, thanks"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, session_sample: Path) -> Iterator[Studio]:
    """`langgraph dev` on the built-in team, the scripted model playing this module's SCRIPT."""
    folder = tmp_path_factory.mktemp("control-studio")
    copy_sample(session_sample, folder / ".orchestra")
    with serve(folder, script=SCRIPT) as running:
        yield running


WAITS = {
    "approval": ("Count and report", {}, {"1.count": "done", "1.write": "superseded"}),
    "plan sign-off": (
        "Count and report",
        {"context": {"review_plan": True}},
        {"1.count": "superseded", "1.write": "superseded"},
    ),
    "two approvals": ("Two reports", {}, {"1.a": "superseded", "1.b": "superseded"}),
}


@pytest.mark.parametrize("waiting", WAITS)
def test_a_message_while_a_request_waits_supersedes_it(server: Studio, waiting: str) -> None:
    question, options, statuses = WAITS[waiting]

    async def go() -> None:
        thread = await Thread(server).start()
        paused = await thread.ask(question, **options)
        assert paused["interrupts"], paused
        state = await thread.ask(NO_REPORT, **options)
        assert state["next"] == [] and state["interrupts"] == []
        assert texts(state) == [question, NO_REPORT, f"Answer to: {NO_REPORT}"]
        assert thread.reports() == []
        assert thread.planned()[-1].endswith(f"Current request:\n{thread.said(NO_REPORT)}")
        assert (
            f"Turn 1: asked '{thread.said(question)}'; not finished (it was waiting"
            in (thread.planned()[-1])
        )
        records = {k: v["record"] for k, v in (await thread.archived()).items()}
        assert {k: r["status"] for k, r in records.items()} == statuses
        rejected = {"type": "reject", "message": thread.said(NO_REPORT)}
        for record in records.values():
            if record["status"] == "superseded":
                assert (
                    record["stops"][0]["why"] == f"a new message came: {thread.said(NO_REPORT)!r}"
                )
                assert record["decisions"] in (None, [rejected])
        [progress] = [m for m in state["values"]["messages"] if m.get("name") == PROGRESS]
        assert "— superseded at " in progress["content"]

    asyncio.run(go())


@pytest.mark.parametrize("wait", [True, False])
def test_a_cancelled_run_leaves_a_resumable_thread(server: Studio, wait: bool) -> None:
    # Waited for: cancelled in count's second call (its first, answered, is in its checkpoint).
    # Not waited for: cancelled in write's first call, count finished.
    role, nth, key, partial = (
        ("sql_analyst", 2, "count", 1) if wait else ("report_writer", 1, "write", 0)
    )

    async def go() -> None:
        thread = await Thread(server).start()
        with Hold(server, role, answer=False, nth=nth) as hold:
            run = await thread.held("Count and report", hold)
            await thread.client.runs.cancel(thread.id, run["run_id"], wait=wait)
            await thread.join(run)
        state = await thread.client.threads.get_state(thread.id)
        assert state["next"] == ["dispatch"]  # where the steps run, the role's one stopped
        stops = await thread.archived("stops")
        assert stops[f"1.{key}"]["stops"][0]["status"] == "cancelled"
        assert stops[f"1.{key}"]["report"]["usage"]["llm_calls"] == partial
        if wait:
            # Resumed: the step goes on from its checkpoint; then the approval and the file.
            paused = await thread.ask(None)
            assert paused["interrupts"][0]["value"]["action_requests"][0]["name"] == "write_report"
            done = await thread.ask(None, command={"resume": APPROVE})
            count = done["values"]["ledger"]["1.count"]
            assert count["status"] == "done" and count["stops"][0]["status"] == "cancelled"
            assert done["values"]["reports"]["1.count"]["usage"]["llm_calls"] == 2
            assert thread.reports() == ["report.md"] and await thread.archived("stops") == {}
        else:
            # A new message: it plans with the step that finished; the other is cancelled.
            done = await thread.ask(NO_REPORT)
            assert (
                f"- 1.count (sql_analyst) Count the orders {thread.said('')[1:]}."
                in thread.planned()[-1]
            )
            records = {k: v["record"] for k, v in (await thread.archived()).items()}
            assert records["1.write"]["status"] == "cancelled"
            assert records["1.count"]["status"] == "done" and thread.reports() == []
        assert done["values"]["status"] == "done"
        assert thread.repeats() == []
        # Every answered model call counted once, the cancelled step's included.
        answered = [r for r in server.model.requests[thread.before :] if r.get("status") == 200]
        assert spent(done["values"]).llm_calls == len(answered)

    asyncio.run(go())


def test_reject_refuses_the_second_message_and_the_first_answers(server: Studio) -> None:
    async def go() -> None:
        thread = await Thread(server).start()
        with Hold(server, "sql_analyst", answer=True) as hold:
            first = await thread.held("Only count", hold)
            with pytest.raises(httpx.HTTPStatusError) as refused:
                await thread.create(NO_REPORT, multitask_strategy="reject")
            hold.released.set()
            await thread.join(first)
        assert refused.value.response.status_code == 409
        assert refused.value.response.json()["detail"] == (
            "Thread is already running a task. Wait for it to finish or choose a different "
            "multitask strategy."
        )
        state = await thread.client.threads.get_state(thread.id)
        assert texts(state) == ["Only count", "Answer to: Only count"]

    asyncio.run(go())


def test_enqueue_answers_both_messages_in_order(server: Studio) -> None:
    async def go() -> None:
        thread = await Thread(server).start()
        with Hold(server, "sql_analyst", answer=True) as hold:
            first = await thread.held("Only count", hold)
            second = await thread.create(NO_REPORT, multitask_strategy="enqueue")
            hold.released.set()
            await thread.join(first)
            await thread.join(second)
        state = await thread.client.threads.get_state(thread.id)
        assert texts(state) == [
            "Only count",
            "Answer to: Only count",
            NO_REPORT,
            f"Answer to: {NO_REPORT}",
        ]
        assert state["values"]["turn"] == 2 and thread.repeats() == []

    asyncio.run(go())


def test_interrupt_stops_the_first_and_the_second_plans_with_its_finished_steps(
    server: Studio,
) -> None:
    async def go() -> None:
        thread = await Thread(server).start()
        with Hold(server, "report_writer", answer=False) as hold:
            first = await thread.held("Count and report", hold)
            second = await thread.create(NO_REPORT, multitask_strategy="interrupt")
            await thread.join(first)
        await thread.join(second)
        state = await thread.client.threads.get_state(thread.id)
        assert texts(state) == ["Count and report", NO_REPORT, f"Answer to: {NO_REPORT}"]
        assert (
            f"- 1.count (sql_analyst) Count the orders {thread.said('')[1:]}."
            in thread.planned()[-1]
        )
        records = {k: v["record"] for k, v in (await thread.archived()).items()}
        assert {k: r["status"] for k, r in records.items()} == {
            "1.count": "done",
            "1.write": "cancelled",
        }
        assert thread.reports() == [] and thread.repeats() == []

    asyncio.run(go())


def test_rollback_erases_the_first_turn(server: Studio) -> None:
    async def go() -> None:
        thread = await Thread(server).start()
        # Rolled back once its count has finished (and filed its report), in the write step.
        with Hold(server, "report_writer", answer=False) as hold:
            await thread.held("Count and report", hold)
            second = await thread.create(NO_REPORT, multitask_strategy="rollback")
            await thread.join(second)
        state = await thread.client.threads.get_state(thread.id)
        assert texts(state) == [NO_REPORT, f"Answer to: {NO_REPORT}"]
        assert state["values"]["turn"] == 1 and state["values"]["ledger"] == {}
        # No later turn sees it either: the erased count is never offered for reuse.
        later = await thread.ask("Only count")
        assert later["values"]["turn"] == 2 and later["values"]["ledger"]["2.count"]
        assert all("Count and report" not in asked for asked in thread.planned()[1:])
        assert all("1.count" not in asked for asked in thread.planned()[1:])
        assert await thread.archived() == {}  # turn 1 filed no step

    asyncio.run(go())
