"""Orchestra served over A2A under `langgraph dev`, driven by a2a-sdk's own client.

The session's server (fixture `studio`): a question that waits for approval of its report,
answered with HITL decisions; a new message while it waits; a cancel; Orchestra using this
Orchestra as an A2A specialist; and tasks no one else can see. Facts are checked against the
sample database and the thread the task ran on (its contextId), read with langgraph-sdk.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2a.client import A2ACardResolver, ClientConfig, create_client
from a2a.helpers import get_artifact_text, get_data_parts
from a2a.types import (
    CancelTaskRequest,
    GetTaskRequest,
    Task,
    TaskState,
)
from a2a.utils.errors import TaskNotFoundError
from langchain_core.tracers import LangChainTracer
from langgraph.checkpoint.memory import InMemorySaver
from langgraph_sdk import get_client
from langsmith import Client

from graph import build_graph
from graph.testing import ScriptedChatModel, plan, step
from nodes.specialists.team import open_team
from tests.integration_tests.a2a_client import (
    APPROVE,
    KEYS,
    RUN_S,
    WITH_REPORT,
    a2a,
    headers,
    said,
    streamed,
)
from tests.integration_tests.control_server import Hold
from tests.integration_tests.studio import COUNT_SQL, Studio
from tests.integration_tests.test_team_tracing import ancestors, wait_for_runs

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]


def order_count(studio: Studio) -> int:
    with closing(sqlite3.connect(studio.home / "sample" / "business.db")) as conn:
        return int(conn.execute(COUNT_SQL).fetchone()[0])


async def not_found_by_others(studio: Studio, task: Task) -> list[str]:
    """Return who cannot see the task: another user (get and cancel), another assistant."""
    missing = []
    for user in ("bob",):
        async with a2a(studio.url, user) as client:
            for call in (
                client.get_task(GetTaskRequest(id=task.id)),
                client.cancel_task(CancelTaskRequest(id=task.id)),
            ):
                try:
                    await call
                except TaskNotFoundError:
                    missing.append(user)
    # A task is its assistant's: asked of another one, it is not found either.
    async with httpx.AsyncClient(headers=headers(), timeout=RUN_S) as http:
        options = ClientConfig(httpx_client=http)
        other = await create_client(f"{studio.url}/a2a/sql_analyst", options)
        try:
            await other.get_task(GetTaskRequest(id=task.id))
        except TaskNotFoundError:
            missing.append("sql_analyst")
    return missing


def test_an_a2a_client_asks_answers_the_approval_and_gets_the_answer(studio: Studio) -> None:
    async def go() -> tuple[Task, list[str], list[str], Task, dict[str, Any]]:
        async with a2a(studio.url) as client:
            waiting, progress = await streamed(client, said(WITH_REPORT))
            unseen = await not_found_by_others(studio, waiting)
            done, _ = await streamed(client, said(data=APPROVE, task=waiting))
        thread = get_client(url=studio.url, api_key=None, headers=headers())
        state = await thread.threads.get_state(done.context_id)
        # A2A 0.3's method names are answered on the same path, in 0.3's shapes.
        old = {"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {"id": done.id}}
        async with httpx.AsyncClient(headers=headers(), timeout=RUN_S) as http:
            got = (await http.post(f"{studio.url}/a2a/orchestrator", json=old)).json()
        return waiting, progress, unseen, done, {**state, "v0.3": got["result"]}

    waiting, progress, unseen, done, state = asyncio.run(go())
    assert (state["v0.3"]["kind"], state["v0.3"]["status"]["state"]) == ("task", "completed")
    # Another user's (once the server has users) and another assistant's: not found.
    assert unseen == ["bob", "bob", "sql_analyst"]
    # It waited for approval of the report, asking in LangChain's HITL format.
    assert waiting.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
    [request] = get_data_parts(waiting.status.message.parts)
    assert [a["name"] for a in request["action_requests"]] == ["write_report"]
    assert any("count" in p and "write" in p for p in progress), progress
    # Approved, it finished on the same task: the answer from the database, one report file.
    assert (done.id, done.status.state) == (waiting.id, TaskState.TASK_STATE_COMPLETED)
    answer = get_artifact_text(done.artifacts[-1])
    assert answer == f"There are {order_count(studio)} orders (step count)."
    reports = list((studio.home / "runs" / done.context_id).glob("*.md"))
    assert len(reports) == 1
    # The task's context is the thread: its messages are the question and the answer.
    said_on_thread = [
        m["content"] for m in state["values"]["messages"] if m.get("name") != "orchestra-progress"
    ]
    assert said_on_thread == [WITH_REPORT, answer]


def test_a_message_while_it_waits_supersedes_and_a_cancel_stops_the_run(studio: Studio) -> None:
    async def go() -> tuple[Task, dict[str, Any], Task, dict[str, Any]]:
        async with a2a(studio.url) as client:
            waiting, _ = await streamed(client, said(WITH_REPORT))
            instead, _ = await streamed(client, said("Look up SKU-1 instead.", task=waiting))
        thread = get_client(url=studio.url, api_key=None, headers=headers())
        superseded = dict(await thread.threads.get_state(instead.context_id))
        with Hold(studio, "sql_analyst", answer=False) as hold:
            async with a2a(studio.url, streaming=False, polling=True) as client:
                events = [e async for e in client.send_message(said("How many orders?"))]
                await hold.reached()
                cancelled = await client.cancel_task(CancelTaskRequest(id=events[0].task.id))
        runs = await thread.runs.list(cancelled.context_id)
        return instead, superseded, cancelled, runs[0]

    instead, superseded, cancelled, run = asyncio.run(go())
    # Text while the approval waited is a new message: the report step superseded, as in chat.
    assert instead.status.state == TaskState.TASK_STATE_COMPLETED
    values = superseded["values"]
    assert "write superseded" in values["summary"], values["summary"]
    assert [(r["id"], r["status"]) for r in values["ledger"].values()] == [("sku", "done")]
    # A cancel is Orchestra's: the run stopped (interrupted), the task cancelled.
    assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
    assert run["status"] == "interrupted"


def test_orchestra_uses_another_orchestra_over_a2a(
    studio: Studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = {"a2a_key_env": "STUDIO_A2A_KEY"}
    team = tmp_path / "team.yaml"
    entry = f"  - name: catalog_team\n    a2a: {studio.url}/a2a/orchestrator\n"
    entry += "".join(f"    {k}: {v}\n" for k, v in key.items())
    team.write_text("specialists:\n" + entry)

    def orchestrate(messages: list[Any]) -> dict[str, Any]:
        if "finalizer" in messages[0].text:
            return {"content": messages[-1].text.split("Reports:\n", 1)[-1]}
        return plan(step("sku", "catalog_team", "Look up SKU-1 in the catalog."))

    # This Orchestra traces to the LangSmith stand-in the served one traces to.
    assert studio.smith is not None
    smith = Client(api_url=studio.smith.url, api_key="lsv2_pt_test_0123456789")
    tracer = LangChainTracer(client=smith, project_name="orchestra-tests")
    thread = f"o2o-{uuid.uuid4()}"

    async def go() -> dict[str, Any]:
        async with open_team(team) as specs:
            model = ScriptedChatModel(script={"orchestrator": orchestrate})
            graph = build_graph(
                InMemorySaver(), {"default": model}, specialists=specs, guardrails=[]
            )
            question = {"messages": [("user", "What is SKU-1?")]}
            config: Any = {"configurable": {"thread_id": thread}, "callbacks": [tracer]}
            return await graph.ainvoke(question, config)

    monkeypatch.setenv("STUDIO_A2A_KEY", KEYS["alice"])
    state = asyncio.run(go())
    tracer.wait_for_futures()
    smith.flush()
    [report] = state["reports"].values()
    # The served Orchestra planned its own step (sku_lookup on its MCP catalog) and answered.
    assert report["status"] == "done", report
    assert report["summary"].startswith("From the catalog:")
    assert "SKU-1" in report["summary"]
    # Its run (on the task's context, its thread) sits in this run's trace, under the step.
    [served] = wait_for_runs(studio.smith, "orchestrator", report["remote_thread_id"])
    runs = studio.smith.runs
    [root] = [
        r
        for r in runs.values()
        if r["trace_id"] == served["trace_id"] and not r.get("parent_run_id")
    ]
    assert root["name"] == "orchestrator" and root["id"] != served["id"]
    assert any(runs[a]["name"].startswith("catalog_team") for a in ancestors(runs, served))


def test_a_specialist_answers_a2a_alone_from_its_brief(studio: Studio) -> None:
    async def go() -> tuple[Task, str]:
        async with httpx.AsyncClient() as http:
            where = "/.well-known/agent-card.json?assistant_id=sql_analyst"
            card = await A2ACardResolver(http, studio.url, where).get_agent_card()
        async with a2a(studio.url, assistant="sql_analyst") as client:
            done, _ = await streamed(client, said("What tables are there?"))
        return done, card.skills[0].name

    done, skill = asyncio.run(go())
    # Its card's one skill is itself, as the team file describes it; its report the answer.
    assert skill == "sql_analyst"
    assert done.status.state == TaskState.TASK_STATE_COMPLETED
    answer = get_artifact_text(done.artifacts[-1])
    assert answer == "The database has customers, orders, order_lines, products and returns."
