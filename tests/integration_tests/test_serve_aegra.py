"""Orchestra served by Aegra instances over one Postgres and one Redis, driven by langgraph_sdk.

`make serve`'s supervisor runs first (`LEASE` short, as below) and an instance is killed
under it; then one pair of instances serves the rest of the module (short leases); a test
that stops one starts it again. Answers are checked against the sample database in the
shared ORCHESTRA_HOME, and what the model was asked against the scripted server's log.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from a2a.helpers import get_artifact_text
from a2a.types import CancelTaskRequest, Task, TaskState
from langchain_core.messages import BaseMessage
from langgraph_sdk.errors import BadRequestError

import tests.integration_tests.test_journey_sdk as journey_sdk
from tests.integration_tests.a2a_client import a2a, said, streamed
from tests.integration_tests.aegra import (
    COUNT_ONLY,
    COUNT_SCRIPT,
    TEST_LEASE_S,
    Backing,
    Cluster,
    backing,
    count_only,
    instances_on,
    supervised,
)
from tests.integration_tests.conftest import Cli, InProcessCli, wait_for
from tests.integration_tests.studio import COUNT_SQL, Studio, ask
from tests.integration_tests.users import (
    auth_env,
    chat_ui_threads,
    refusals,
    refused_alike,
    refused_to_another,
    store_seen_by_bob,
)
from tests.integration_tests.users import client as connect

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("aegra")]

RUN_S = 60
# A killed instance's runs go back to the queue when its lease expires (TEST_LEASE_S here;
# at Aegra's default, 30 s and a reaper every 15 s, the takeover alone took 40 s of the suite).
TAKEOVER_S = 120
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
def stores(tmp_path_factory: pytest.TempPathFactory, session_sample: Path) -> Iterator[Backing]:
    """The module's database, Redis, scripted model and home: make serve's, then the pair's."""
    folder = tmp_path_factory.mktemp("aegra")
    script = {**COUNT_SCRIPT, "orchestrator": serve_orchestrate}
    # The instances ask for the users' keys or tokens (tests/integration_tests/users.py).
    users = auth_env(folder)
    with backing(folder, session_sample, script, extra_env=users) as running:
        yield running


@pytest.fixture(scope="module")
def pair(stores: Backing) -> Iterator[Cluster]:
    """Two Aegra instances shared by the module's tests, lease TEST_LEASE_S seconds."""
    with instances_on(stores, instances=2, lease=TEST_LEASE_S) as running:
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
    client = connect(url)
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread_id, "orchestrator", input=ask(WITH_REPORT))
    assert (await finish(client, thread_id, run["run_id"]))["status"] == "interrupted"
    return thread_id, run["run_id"]


async def last_message(client: Any, thread_id: str) -> str:
    """Return the text of the thread's last message."""
    state = await client.threads.get_state(thread_id)
    return str(state["values"]["messages"][-1]["content"])


def test_make_serve_keeps_serving_when_an_instance_is_killed_with_runs_in_flight(
    stores: Backing, tmp_path: Path
) -> None:
    # make serve's supervisor, two instances at a short lease; four runs held in
    # flight at their planning call, then kill -9 of an instance running some of them.
    keys = [f"in flight {n}" for n in range(4)]
    gates = [GATES.setdefault(key, (threading.Event(), threading.Event())) for key in keys]

    async def start_runs(urls: list[str]) -> list[tuple[str, str]]:
        started = []
        for n, key in enumerate(keys):
            client = connect(urls[n % len(urls)])
            thread_id = (await client.threads.create())["thread_id"]
            question = ask(f"Count only, {key}: how many orders?")
            run = await client.runs.create(thread_id, "orchestrator", input=question)
            started.append((thread_id, run["run_id"]))
        return started

    async def finish_all(url: str, runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        client = connect(url)
        done = []
        for thread_id, run_id in runs:
            await asyncio.wait_for(client.runs.join(thread_id, run_id), TAKEOVER_S)
            status = (await client.runs.get(thread_id, run_id))["status"]
            done.append((status, await last_message(client, thread_id)))
        return done

    try:
        with supervised(stores, tmp_path, lease=TEST_LEASE_S) as served:
            runs = asyncio.run(start_runs([i.url for i in served.instances]))
            assert all(arrived.wait(RUN_S) for arrived, _ in gates)  # all four in flight
            ran = [{r for _, r in runs} & i.picked_up() for i in served.instances]
            victim = 0 if len(ran[0]) >= len(ran[1]) else 1
            survivor = served.instances[1 - victim]
            os.killpg(served.pids[victim], signal.SIGKILL)
            for _, release in gates:
                release.set()
            done = asyncio.run(finish_all(survivor.url, runs))
            # The survivor served on throughout (same process, never told to shut down).
            os.kill(served.pids[1 - victim], 0)
            assert "Shutting down" not in survivor.log.read_text()
            assert served.proc.poll() is None
    finally:
        for key in keys:
            GATES.pop(key, None)
    assert done == [("success", f"There are {order_count(stores)} orders (step count).")] * 4
    assert ran[victim], "the killed instance was running none of the four"
    port = served.instances[victim].port
    assert f"Aegra instance :{port} killed by SIGKILL; started again" in served.stderr()


def test_two_instances_share_eight_concurrent_threads(fresh: Cluster, cli: Cli) -> None:
    expected = f"There are {order_count(fresh)} orders (step count)."

    async def one(url: str) -> tuple[str, str, str, str]:
        client = connect(url)
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
    # The threads are alice's (her key made them), so her command line lists them.
    database = {"ORCHESTRA_CHECKPOINTER": fresh.env["ORCHESTRA_CHECKPOINTER"]}
    database["ORCHESTRA_USER"] = "alice"
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
    studio = Studio(first.url, fresh.model, first.log, fresh.home.parent, keyed=True)
    asyncio.run(journey_sdk.walk(studio))


def test_two_questions_at_once_on_one_thread_answer_one_and_refuse_the_other(
    fresh: Cluster,
) -> None:
    arrived, release = GATES.setdefault("first of two", (threading.Event(), threading.Event()))
    first_q, second_q = "Count only, first of two: how many orders?", "Count only: second?"

    async def race() -> tuple[str, dict[str, Any], dict[str, Any]]:
        a, b = (connect(i.url) for i in fresh.instances)
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
        client = connect(fresh.instances[1].url)
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
        client = connect(other.url)
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
        client = connect(fresh.instances[0].url)
        run = await client.runs.create(thread_id, "orchestrator", command={"resume": APPROVE})
        resumed["run_id"] = run["run_id"]
        await asyncio.to_thread(wait_for, lambda: bool(killed), RUN_S)
        other = connect(next(i for i in fresh.instances if i is not killed[0]).url)
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
        client = connect(fresh.instances[1].url)
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
        a, b = (connect(i.url) for i in fresh.instances)
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
    said = asyncio.run(last_message(connect(fresh.instances[1].url), thread_id))
    assert said.startswith(f"There are {order_count(fresh)} orders (step count).")


def test_each_user_sees_and_touches_only_their_own_threads_and_store_items(
    fresh: Cluster, cli_here: InProcessCli
) -> None:
    # Alice waits at an approval raised through one instance; bob tries the other.
    thread_id, run_id = asyncio.run(raise_approval(fresh.instances[0].url))
    url, reports = fresh.instances[1].url, ("threads", thread_id, "reports")

    async def look() -> dict[str, Any]:
        missing = str(uuid.uuid4()), str(uuid.uuid4())
        return {
            "bob": await refused_to_another(url, thread_id, run_id),
            "missing": await refused_to_another(url, *missing),
            "store": await store_seen_by_bob(url, reports, "1.count"),
            "listed": {user: await chat_ui_threads(url, user) for user in ("alice", "bob")},
            "report": await connect(url).store.get_item(reports, "1.count"),
            "state": await connect(url).threads.get_state(thread_id),
            "refusals": await refusals(url),
        }

    seen = asyncio.run(look())
    # Bob finds nothing of alice's thread, exactly as of one that does not exist.
    assert seen["bob"] == seen["missing"] == dict.fromkeys(seen["bob"], 404)
    assert seen["state"]["next"] == ["approve_steps"]
    assert thread_id in seen["listed"]["alice"] and thread_id not in seen["listed"]["bob"]
    # Her step's report is in her part of the Store; bob's calls touched only his own.
    assert seen["store"]["found"] == [] and seen["store"]["get"] == 404
    assert seen["report"]["value"]["specialist"] == "sql_analyst"
    assert "forged" not in seen["report"]["value"]
    assert refused_alike(seen["refusals"]), seen["refusals"]
    # The command line on the shared Postgres: each user's views hold their own threads.
    database = {"ORCHESTRA_CHECKPOINTER": fresh.env["ORCHESTRA_CHECKPOINTER"]}
    alices = cli_here("threads", "--json", ORCHESTRA_USER="alice", **database)
    bobs = cli_here("threads", "--json", ORCHESTRA_USER="bob", **database)
    shown = cli_here("show", thread_id, "--json", ORCHESTRA_USER="alice", **database)
    hidden = cli_here("show", thread_id, ORCHESTRA_USER="bob", **database)
    assert thread_id in {t["thread_id"] for t in json.loads(alices.stdout)}
    assert thread_id not in {t["thread_id"] for t in json.loads(bobs.stdout)}
    assert shown.json()["status"] == "interrupted"
    assert [s["id"] for s in shown.json()["steps"]] == ["count", "write"]
    assert hidden.code == 2 and f"unknown thread '{thread_id}'" in hidden.stderr


def test_an_a2a_client_is_answered_and_cancels_through_either_instance(fresh: Cluster) -> None:
    # The task lives on its thread: asked through one instance, approved and cancelled
    # through the other, a2a-sdk's client on both.
    first, second = (i.url for i in fresh.instances)
    arrived, release = GATES["A2A cancel"] = (threading.Event(), threading.Event())

    async def go() -> tuple[Task, Task, Task, dict[str, Any]]:
        async with a2a(first) as client:
            waiting, _ = await streamed(client, said(WITH_REPORT))
        async with a2a(second) as client:
            done, _ = await streamed(client, said(data=APPROVE, task=waiting))
        async with a2a(first, streaming=False, polling=True) as client:
            [started] = [e.task async for e in client.send_message(said("A2A cancel"))]
        assert await asyncio.to_thread(arrived.wait, RUN_S)
        async with a2a(second) as client:
            cancelled = await client.cancel_task(CancelTaskRequest(id=started.id))
        release.set()
        client = connect(first)
        [run] = await client.runs.list(started.context_id)
        await asyncio.wait_for(client.runs.join(started.context_id, run["run_id"]), RUN_S)
        return waiting, done, cancelled, dict(await client.threads.get_state(started.context_id))

    waiting, done, cancelled, stopped = asyncio.run(go())
    assert waiting.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert done.status.state == TaskState.TASK_STATE_COMPLETED
    answer = get_artifact_text(done.artifacts[-1])
    assert answer.startswith(f"There are {order_count(fresh)} orders (step count).")
    assert len(list((fresh.home / "runs" / done.context_id).glob("*.md"))) == 1
    # The run was stopped at its plan: nothing planned, no approval waiting.
    assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
    assert (stopped["interrupts"], stopped["values"].get("ledger") or {}) == ([], {})
