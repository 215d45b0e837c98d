"""An agent Orchestra did not write, served over A2A by a2a-sdk alone, as a team's specialist.

The agent (tests/servers/a2a_agent.py) runs in this process on a port the OS picks and logs
every JSON-RPC request it gets: tests synchronise on that log, never on a sleep.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from graph import build_graph
from graph.testing import ScriptedChatModel, plan, step
from nodes.specialists.team import open_team
from state.context import Context
from tests.integration_tests.conftest import Cli, InProcessCli, model_env, wait_for
from tests.servers.a2a_agent import REGION_QUESTION, A2AAgentServer
from tests.servers.openai_server import ScriptedOpenAIServer

ARTIFACT = "SKU-1 is a blue widget; 12 in stock."


def orchestrate(messages: list[BaseMessage]) -> dict[str, Any]:
    """Plan one step for the clerk by the question; answer with the reports word for word."""
    system, last = messages[0].text, messages[-1].text
    if "finalizer" in system:
        return {"content": "From the clerk: " + last.split("Reports:\n", 1)[-1]}
    question = last.split("Current request:\n", 1)[-1]
    if "returns" in question:
        return plan(step("returns", "clerk", "What are returns like?"))
    return plan(step("sku", "clerk", f"Look up SKU-1 ({question.strip()})."))


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[A2AAgentServer]:
    with A2AAgentServer(tmp_path / "agent_requests.jsonl") as running:
        yield running


def team_file(folder: Path, url: str, description: str = "") -> Path:
    path = folder / "team.yaml"
    said = f"    description: {description}\n" if description else ""
    path.write_text(f"specialists:\n  - name: clerk\n    a2a: {url}\n{said}")
    return path


async def run_graph(team: Path, *turns: Any, thread: str = "t1") -> list[dict[str, Any]]:
    """Run turns on one thread of an in-memory graph over the team; return each turn's chunks."""
    model = ScriptedChatModel(script={"orchestrator": orchestrate})
    config = {"configurable": {"thread_id": thread}}
    seen: list[dict[str, Any]] = []
    async with open_team(team) as specs:
        graph = build_graph(InMemorySaver(), {"default": model}, specialists=specs, guardrails=[])
        for turn in turns:
            events: list[Any] = []
            async for _, mode, chunk in graph.astream(
                turn, config, stream_mode=["custom", "values"], subgraphs=True
            ):
                events.append((mode, chunk))
            seen.append({"events": events, "state": (await graph.aget_state(config)).values})
    return seen


def ask(text: str) -> dict[str, Any]:
    return {"messages": [("user", text)]}


def test_an_a2a_agent_runs_a_step_streaming_its_status_and_its_artifact_is_the_report(
    agent: A2AAgentServer, tmp_path: Path
) -> None:
    async def go() -> list[dict[str, Any]]:
        run = asyncio.create_task(run_graph(team_file(tmp_path, agent.url), ask("hold SKU-1")))
        # The agent works until released: the step follows its task (a2a-sdk's subscribe).
        await asyncio.to_thread(wait_for, lambda: "SubscribeToTask" in agent.methods(), 30)
        agent.release.set()
        return await run

    [turn] = asyncio.run(go())
    state = turn["state"]
    [report] = state["reports"].values()
    assert (report["status"], report["summary"]) == ("done", ARTIFACT)
    assert report["artifacts"] == ["lookup"]
    assert ARTIFACT in state["messages"][-1].content
    statuses = [
        c["a2a_status"] for mode, c in turn["events"] if mode == "custom" and "a2a_status" in c
    ]
    assert [(s["step"], s["text"]) for s in statuses] == [("1.sku", "Looking up SKU-1")]
    # One message sent, then the task followed; the trace context went along each time.
    assert agent.methods()[:3] == ["SendMessage", "GetTask", "SubscribeToTask"]
    assert agent.methods().count("SendMessage") == 1
    assert all(r["traceparent"].startswith("00-") for r in agent.requests)


def test_the_agents_question_is_an_approval_whose_answer_goes_back_to_its_task(
    agent: A2AAgentServer, tmp_path: Path
) -> None:
    edit = {
        "type": "edit",
        "edited_action": {"name": "clerk:input", "args": {"answer": "North"}},
    }
    paused, answered = asyncio.run(
        run_graph(
            team_file(tmp_path, agent.url),
            ask("How are returns?"),
            Command(resume={"decisions": [edit]}),
        )
    )
    [waiting] = paused["state"]["reports"].values()
    request = waiting["review"]
    assert waiting["status"] == "needs_review"
    assert request["action_requests"][0]["name"] == "clerk:input"
    assert request["action_requests"][0]["args"]["question"] == REGION_QUESTION
    [report] = answered["state"]["reports"].values()
    assert (report["status"], report["summary"]) == ("done", "Returns in North: 2.3% of orders.")
    # The answer went to the task that asked, as text and as the HITL decision.
    sends = [r for r in agent.requests if r["method"] == "SendMessage"]
    assert [s["text"] for s in sends][1:] == ["North"]
    first_task = next(r["task_id"] for r in agent.requests if r["method"] == "GetTask")
    assert sends[1]["task_id"] == first_task


def test_an_agent_gone_after_team_load_fails_its_step_with_a_clear_error(tmp_path: Path) -> None:
    async def go() -> dict[str, Any]:
        with A2AAgentServer() as agent:
            # The planner reads the card's skills, unless the entry says what the agent does.
            async with open_team(team_file(tmp_path, agent.url)) as specs:
                assert "lookup_sku: Looks a product up by SKU" in specs[0].description
            team = team_file(tmp_path, agent.url, "Looks products up.")
            async with open_team(team) as specs:
                assert specs[0].description == "Looks products up."
                url = agent.url
        model = ScriptedChatModel(script={"orchestrator": orchestrate})
        graph = build_graph(InMemorySaver(), {"default": model}, specialists=specs, guardrails=[])
        config = {"configurable": {"thread_id": "gone"}}
        state = await graph.ainvoke(ask("SKU-1?"), config, context=Context(retry_attempts=1))
        return {"url": url, **state}

    state = asyncio.run(go())
    [report] = state["reports"].values()
    assert report["status"] == "failed"
    assert report["error"].startswith(f"A2A agent clerk ({state['url']}): ")
    assert "message/send" in report["error"]


def test_an_unreachable_agent_or_a_bad_card_is_a_usage_error_naming_the_entry(
    agent: A2AAgentServer, cli_here: InProcessCli, tmp_path: Path
) -> None:
    closed = A2AAgentServer().url  # a port nothing listens on
    for url, why in [(closed, "no agent card at"), (f"{agent.url}/broken", "no agent card at")]:
        team = team_file(tmp_path, url)
        done = cli_here("ask", "SKU-1?", ORCHESTRA_TEAM=str(team), ORCHESTRA_MODEL="openai:x")
        assert done.code == 2, done.stderr
        assert f"{team}: specialist 'clerk': {why}" in done.stderr
        assert "Traceback" not in done.stderr
    # `orchestra team` lists the agent with its card's skills.
    team = team_file(tmp_path, agent.url)
    listed = cli_here("team", "--json", ORCHESTRA_TEAM=str(team))
    [clerk] = listed.json()["specialists"]
    assert clerk["a2a"]["skills"][0]["name"] == "lookup_sku" and clerk["a2a"]["reachable"]


def test_a_step_resumed_after_a_crash_asks_for_its_task_and_never_sends_it_again(
    agent: A2AAgentServer, cli: Cli, tmp_path: Path
) -> None:
    model = ScriptedOpenAIServer({"orchestrator": orchestrate})
    model.start()
    try:
        env = {**model_env(model), "ORCHESTRA_TEAM": str(team_file(tmp_path, agent.url))}
        proc = cli.start("ask", "hold SKU-1", "--thread-id", "crash", "--json", **env)
        # The step sent its task and follows it: kill the run while the agent works.
        wait_for(lambda: "SubscribeToTask" in agent.methods(), 60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        before = len(agent.requests)
        agent.release.set()
        done = cli("resume", "crash", "--json", **env)
    finally:
        model.shutdown()
    assert done.code == 0, done.stderr
    assert ARTIFACT in done.json()["answer"]
    assert agent.methods().count("SendMessage") == 1
    assert agent.methods()[before] == "GetTask"
