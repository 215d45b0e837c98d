"""Orchestra served by two Aegra instances over one Postgres and one Redis, driven by langgraph_sdk.

One pair of instances serves the module (short leases); a test that stops one starts it again.
Answers are checked against the sample database in the shared ORCHESTRA_HOME, and what the
model was asked against the scripted server's log.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langgraph_sdk import get_client
from langgraph_sdk.errors import BadRequestError

import tests.integration_tests.test_journey_sdk as journey_sdk
from tests.integration_tests.aegra import (
    COUNT_ONLY,
    COUNT_SCRIPT,
    TEST_LEASE_S,
    Cluster,
    cluster,
    count_only,
)
from tests.integration_tests.conftest import Cli, wait_for
from tests.integration_tests.studio import COUNT_SQL, Studio, ask

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("aegra")]

RUN_S = 60
WITH_REPORT = "How many orders are there? Write a report."
APPROVE = {"decisions": [{"type": "approve"}]}
# Planning calls that wait for the test: a run held in flight on an event, not a sleep.
GATES: dict[str, tuple[threading.Event, threading.Event]] = {}


def serve_orchestrate(messages: list[BaseMessage]) -> dict[str, Any]:
    """Hold a gated question's planning until the test releases it; then play count_only."""
    question = messages[-1].text.split("Current request:\n", 1)[-1]
    for key, (arrived, release) in GATES.items():
        if key in question and "finalizer" not in messages[0].text:
            arrived.set()
            release.wait(RUN_S)
    return count_only(messages)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, session_sample: Path) -> Iterator[Cluster]:
    """Two Aegra instances shared by the module's tests, lease TEST_LEASE_S seconds."""
    folder = tmp_path_factory.mktemp("aegra")
    script = {**COUNT_SCRIPT, "orchestrator": serve_orchestrate}
    with cluster(folder, session_sample, script, instances=2, lease=TEST_LEASE_S) as running:
        yield running


@pytest.fixture
def fresh(pair: Cluster) -> Iterator[Cluster]:
    """The pair, both up at the start and again after the test (which may stop one)."""
    pair.model.on_request = None
    pair.revive()
    yield pair
    pair.model.on_request = None
    GATES.clear()
    pair.revive()


def order_count(cluster: Cluster) -> int:
    """Return the number of orders in the sample database the instances query."""
    with closing(sqlite3.connect(cluster.home / "sample" / "business.db")) as conn:
        return int(conn.execute(COUNT_SQL).fetchone()[0])


async def finish(client: Any, thread_id: str, run_id: str) -> dict[str, Any]:
    """Wait for a run to end (through `client`'s instance); return the run."""
    await asyncio.wait_for(client.runs.join(thread_id, run_id), RUN_S)
    return dict(await client.runs.get(thread_id, run_id))


async def raise_approval(url: str) -> tuple[str, str]:
    """Ask for a report through `url` and wait for its approval; return (thread, run) ids."""
    client = get_client(url=url)
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "orchestrator", input=ask(WITH_REPORT))
    assert (await finish(client, thread_id, run["run_id"]))["status"] == "interrupted"
    return thread_id, run["run_id"]


async def last_message(client: Any, thread_id: str) -> str:
    """Return the text of the thread's last message."""
    state = await client.threads.get_state(thread_id)
    return str(state["values"]["messages"][-1]["content"])


def test_two_instances_share_eight_concurrent_threads(fresh: Cluster, cli: Cli) -> None:
    expected = f"There are {order_count(fresh)} orders (step count)."

    async def one(url: str) -> tuple[str, str, str, str]:
        client = get_client(url=url)
        thread_id = (await client.threads.create())["thread_id"]
        run = await client.runs.create(thread_id, "orchestrator", input=ask(COUNT_ONLY))
        done = await finish(client, thread_id, run["run_id"])
        return thread_id, run["run_id"], done["status"], await last_message(client, thread_id)

    async def all_eight() -> list[tuple[str, str, str, str]]:
        urls = [fresh.instances[i % 2].url for i in range(8)]
        return await asyncio.gather(*(one(url) for url in urls))

    results = asyncio.run(all_eight())
    assert [(status, answer) for _, _, status, answer in results] == [("success", expected)] * 8
    ran = [{r for _, r, _, _ in results} & i.picked_up() for i in fresh.instances]
    assert all(ran), f"runs per instance: {[len(r) for r in ran]}"
    assert ran[0].isdisjoint(ran[1])
    # Orchestra's own views read the served threads from any machine with the Postgres URL
    # (this test's home is not the instances').
    database = {"ORCHESTRA_CHECKPOINTER": fresh.env["ORCHESTRA_CHECKPOINTER"]}
    listed = cli("threads", "--json", **database)
    assert listed.code == 0, listed.stderr
    assert {t for t, _, _, _ in results} <= {t["thread_id"] for t in listed.json()}
    shown = cli("show", results[0][0], "--json", **database)
    assert shown.code == 0, shown.stderr
    assert (shown.json()["status"], shown.json()["answer"]) == ("done", expected)
    assert [s["specialist"] for s in shown.json()["steps"]] == ["sql_analyst"]


def test_a_chat_client_sees_the_same_chat_view_as_under_langgraph_dev(fresh: Cluster) -> None:
    # The langgraph dev test's own walk: three turns, an approval with an edit, reuse, and the
    # streamed chat view (values, message tuples, updates from subgraphs), run on Aegra.
    first = fresh.instances[0]
    studio = Studio(first.url, fresh.model, first.log, fresh.home.parent)
    asyncio.run(journey_sdk.walk(studio))


def test_two_questions_at_once_on_one_thread_answer_one_and_refuse_the_other(
    fresh: Cluster,
) -> None:
    arrived, release = GATES.setdefault("first of two", (threading.Event(), threading.Event()))
    first_q, second_q = "Count only, first of two: how many orders?", "Count only: second?"

    async def race() -> tuple[str, dict[str, Any], dict[str, Any]]:
        a, b = (get_client(url=i.url) for i in fresh.instances)
        thread_id = (await a.threads.create())["thread_id"]
        first = await a.runs.create(thread_id, "orchestrator", input=ask(first_q))
        await asyncio.to_thread(arrived.wait, RUN_S)  # the first run is planning now
        second = await b.runs.create(
            thread_id, "orchestrator", input=ask(second_q), multitask_strategy="reject"
        )
        refused = await finish(b, thread_id, second["run_id"])
        release.set()
        return thread_id, await finish(a, thread_id, first["run_id"]), refused

    thread_id, answered, refused = asyncio.run(race())
    assert answered["status"] == "success"
    assert refused["status"] == "error"

    async def look() -> tuple[Any, list[Any], str]:
        client = get_client(url=fresh.instances[1].url)
        state = await client.threads.get_state(thread_id)
        history = await client.threads.get_history(thread_id, limit=200)
        run = await client.http.get(f"/threads/{thread_id}/runs/{refused['run_id']}")
        return state, history, str(run)

    state, history, refused_run = asyncio.run(look())
    assert "has a run in progress" in refused_run
    messages = [(m["type"], m["content"]) for m in state["values"]["messages"]]
    assert [text for kind, text in messages if kind == "human"] == [first_q]
    assert messages[-1][1] == f"There are {order_count(fresh)} orders (step count)."
    # One linear chain: each checkpoint's parent is the one saved just before it.
    ids = [h["checkpoint"]["checkpoint_id"] for h in history]
    parents = [(h.get("parent_checkpoint") or {}).get("checkpoint_id") for h in history]
    assert len(set(ids)) == len(ids)
    assert parents == [*ids[1:], None]


def test_an_approval_raised_on_one_instance_is_answered_through_the_other(
    fresh: Cluster,
) -> None:
    thread_id, run_id = asyncio.run(raise_approval(fresh.instances[0].url))
    raised_on = fresh.runner(run_id)
    fresh.kill(raised_on)  # the instance that raised the approval is gone
    other = next(i for i in fresh.instances if i is not raised_on)

    async def answer() -> tuple[dict[str, Any], str]:
        client = get_client(url=other.url)
        state = await client.threads.get_state(thread_id)
        assert state["next"] == ["approve_steps"]
        run = await client.runs.create(thread_id, "orchestrator", command={"resume": APPROVE})
        done = await finish(client, thread_id, run["run_id"])
        return done, await last_message(client, thread_id)

    done, said = asyncio.run(answer())
    assert done["status"] == "success"
    report = fresh.home / "runs" / thread_id / "report.md"
    assert said.startswith(f"There are {order_count(fresh)} orders (step count).")
    assert sorted(p.name for p in report.parent.glob("*.md")) == ["report.md"]


def test_a_killed_instance_s_step_is_finished_by_the_other(fresh: Cluster) -> None:
    # The writer proposed write_report before the approval; approve it, then kill -9 the
    # instance running the writer while its next model call (after the report was written)
    # is in flight: the other instance takes the run over when the lease expires.
    thread_id, _ = asyncio.run(raise_approval(fresh.instances[0].url))
    before = len(fresh.model.requests)
    resumed: dict[str, str] = {}
    killed: list[Any] = []

    def kill_the_writer(role: str, step_id: str) -> bool:
        if role != "report_writer" or killed:
            return False
        wait_for(lambda: "run_id" in resumed, timeout=RUN_S)
        killed.append(fresh.runner(resumed["run_id"]))
        fresh.kill(killed[0])
        return True  # the killed instance's call is never answered

    fresh.model.on_request = kill_the_writer

    async def resume() -> dict[str, Any]:
        client = get_client(url=fresh.instances[0].url)
        run = await client.runs.create(thread_id, "orchestrator", command={"resume": APPROVE})
        resumed["run_id"] = run["run_id"]
        await asyncio.to_thread(wait_for, lambda: bool(killed), RUN_S)
        other = get_client(url=next(i for i in fresh.instances if i is not killed[0]).url)
        return await finish(other, thread_id, run["run_id"])

    done = asyncio.run(resume())
    assert done["status"] == "success"
    survivor = next(i for i in fresh.instances if i is not killed[0])
    assert resumed["run_id"] in survivor.picked_up()
    asked = [(r["role"], r["step"], r["status"]) for r in fresh.model.requests[before:]]
    # Each call once, but the one in flight: dropped by the kill, asked again by the survivor
    # (the memory call last: the question asked for a report).
    assert asked == [
        ("report_writer", "write", "dropped"),
        ("report_writer", "write", 200),
        ("orchestrator", "", 200),
        ("memory", "", 200),
    ]
    report = fresh.home / "runs" / thread_id / "report.md"
    assert sorted(p.name for p in report.parent.glob("*.md")) == ["report.md"]
    assert report.read_text().count("# Order count") == 1


def test_a_gracefully_stopped_instance_leaves_the_other_serving(fresh: Cluster) -> None:
    # SIGTERM: the instance drains and exits; the other goes on taking new threads.
    fresh.kill(fresh.instances[0], signal.SIGTERM)

    async def one() -> str:
        client = get_client(url=fresh.instances[1].url)
        thread_id = (await client.threads.create())["thread_id"]
        run = await client.runs.create(thread_id, "orchestrator", input=ask(COUNT_ONLY))
        assert (await finish(client, thread_id, run["run_id"]))["status"] == "success"
        return await last_message(client, thread_id)

    assert asyncio.run(one()) == f"There are {order_count(fresh)} orders (step count)."


def test_two_answers_to_one_approval_at_once_resume_it_once(fresh: Cluster) -> None:
    # The same approval answered through both instances at once: the report writer's call
    # after the approval is held until the second answer has been refused.
    thread_id, _ = asyncio.run(raise_approval(fresh.instances[0].url))
    before = len(fresh.model.requests)
    arrived, release = threading.Event(), threading.Event()

    def hold_the_writer(role: str, step_id: str) -> bool:
        if role == "report_writer":
            arrived.set()
            release.wait(RUN_S)
        return False  # then answered as scripted

    fresh.model.on_request = hold_the_writer

    async def answer_twice() -> dict[str, Any]:
        a, b = (get_client(url=i.url) for i in fresh.instances)
        first = await a.runs.create(thread_id, "orchestrator", command={"resume": APPROVE})
        await asyncio.to_thread(arrived.wait, RUN_S)  # the first answer is being acted on
        # Aegra refuses a resume of a thread no longer interrupted; had both answers passed
        # that check together, the thread's lock would refuse one run (the test above).
        with pytest.raises(BadRequestError, match="thread is not in interrupted state"):
            await b.runs.create(thread_id, "orchestrator", command={"resume": APPROVE})
        release.set()
        return await finish(a, thread_id, first["run_id"])

    assert asyncio.run(answer_twice())["status"] == "success"
    asked = [(r["role"], r["step"], r["status"]) for r in fresh.model.requests[before:]]
    assert asked == [
        ("report_writer", "write", 200),
        ("orchestrator", "", 200),
        ("memory", "", 200),
    ]
    report = fresh.home / "runs" / thread_id / "report.md"
    assert sorted(p.name for p in report.parent.glob("*.md")) == ["report.md"]
    said = asyncio.run(last_message(get_client(url=fresh.instances[1].url), thread_id))
    assert said.startswith(f"There are {order_count(fresh)} orders (step count).")
