"""Guardrails through `langgraph dev`, driven with langgraph-sdk as a chat client drives it.

One server for the module, on a team file with guardrails of its own beside the built-in
two, its documents holding a supplier note that carries an injected instruction. Each test
is a new thread; what the models got is read from the scripted server's request log.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import copy_sample
from tests.integration_tests.guardrail_team import (
    CHART_QUESTION,
    EMAIL,
    EMAIL_QUESTION,
    FALCON_QUESTION,
    GROWTH_QUESTION,
    INJECTED,
    OBEY_NOTE,
    READ_NOTE,
    SCRIPT,
    UNGROUNDED,
    body,
    docs_with_note,
    last_message,
    team_file,
)
from tests.integration_tests.studio import COUNT_SQL, Studio, serve

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("guardrail-server")]

RUN_S = 60
FALCON_REASON = "matches '(?i)project\\\\s+falcon'"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, session_sample: Path) -> Iterator[Studio]:
    """`langgraph dev` on the guardrail team, the scripted model playing guardrail_team's SCRIPT."""
    folder = tmp_path_factory.mktemp("guardrail-studio")
    copy_sample(session_sample, folder / ".orchestra")
    docs = docs_with_note(folder / ".orchestra" / "sample" / "docs", folder / "docs")
    env = {"ORCHESTRA_TEAM": str(team_file(folder / "team")), "ORCHESTRA_DOCS_DIR": str(docs)}
    with serve(folder, env, script=SCRIPT) as running:
        yield running


class Chat:
    """One thread on the server, and the model requests made since it began."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.client = studio.client()
        self.before = len(studio.model.requests)
        self.thread = ""

    async def run(self, **kwargs: Any) -> dict[str, Any]:
        """Stream one run to its end, bounded; return the thread's state after it."""
        if not self.thread:
            self.thread = (await self.client.threads.create())["thread_id"]

        async def collect() -> list[Any]:
            stream = self.client.runs.stream(self.thread, "orchestrator", **kwargs)
            return [part async for part in stream]

        parts = await asyncio.wait_for(collect(), RUN_S)
        assert not [p.data for p in parts if p.event == "error"], parts
        return await self.client.threads.get_state(self.thread)

    async def ask(self, question: str) -> dict[str, Any]:
        return await self.run(input={"messages": [{"role": "user", "content": question}]})

    def requests(self, role: str | None = None) -> list[dict[str, Any]]:
        asked = self.studio.model.requests[self.before :]
        return [r for r in asked if role is None or r["role"] == role]


def trips(values: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in values.get("guardrails") or [] if e["name"] == name]


def test_an_email_in_the_question_reaches_no_model_request(guarded: Studio) -> None:
    async def go() -> None:
        chat = Chat(guarded)
        values = (await chat.ask(EMAIL_QUESTION))["values"]
        # The memory call too ("Reply to ..." says more than a question): without the address.
        roles = {r["role"] for r in chat.requests()}
        assert roles == {"orchestrator", "sql_analyst", "memory"}
        assert [r for r in chat.requests() if EMAIL in body(r)] == []
        planner = chat.requests("orchestrator")[0]
        assert last_message(planner).endswith("Reply to [REDACTED_EMAIL]")
        # The thread keeps the rewritten question, not the one the client sent.
        assert values["messages"][0]["content"].endswith("Reply to [REDACTED_EMAIL]")
        assert [(e["stage"], e["action"]) for e in trips(values, "no-emails")] == [
            ("input", "redact")
        ]

    asyncio.run(go())
    # Served with no keys and no token key, it took the request as the one local user, and
    # said so once in its log (graph/auth/credentials.py).
    assert guarded.log.read_text().count("every request is served as the one local user") == 1


def test_an_injected_instruction_never_reaches_the_specialists_model_nor_writes_a_report(
    guarded: Studio,
) -> None:
    async def go() -> None:
        chat = Chat(guarded)
        read = (await chat.ask(READ_NOTE))["values"]
        researcher = chat.requests("doc_researcher")
        assert len(researcher) == 3
        told = last_message(researcher[-1])
        assert told.startswith("blocked by guardrail injected-instructions: instructions"), told
        assert [r for r in chat.requests() if INJECTED in body(r)] == []
        # A step's trips are kept on its report, the text each block held with them.
        events = read["reports"]["1.note"]["guardrails"]
        assert [(e["name"], e["stage"], e["action"]) for e in events] == [
            ("injected-instructions", "tool_output", "block")
        ] * 2
        assert INJECTED in events[1]["held"]
        obeyed = await chat.ask(OBEY_NOTE)
        assert obeyed["interrupts"] == [] and obeyed["values"]["ledger"] == {}
        assert chat.requests("report_writer") == []
        assert list((guarded.home / "runs" / chat.thread).rglob("*.md")) == []

    asyncio.run(go())


def test_an_answer_with_a_figure_in_no_report_is_flagged(guarded: Studio) -> None:
    with closing(sqlite3.connect(guarded.home / "sample" / "business.db")) as conn:
        orders = conn.execute(COUNT_SQL).fetchone()[0]

    async def go() -> None:
        values = (await Chat(guarded).ask(GROWTH_QUESTION))["values"]
        said = f"There are {orders} orders, up {UNGROUNDED} on last year."
        assert values["messages"][-1]["content"] == said
        [event] = trips(values, "grounded-figures")
        assert (event["stage"], event["action"]) == ("answer", "flag")
        assert event["detail"] == f"figures found in no report: {UNGROUNDED}"

    asyncio.run(go())


def test_a_plan_with_a_denied_specialist_is_refused_after_one_retry(guarded: Studio) -> None:
    async def go() -> None:
        chat = Chat(guarded)
        values = (await chat.ask(CHART_QUESTION))["values"]
        reason = (
            "blocked by guardrail no-python: the plan uses data_analyst, which this request may not"
        )
        first, again = chat.requests("orchestrator")
        assert "refused" not in last_message(first)
        assert f"Your previous plan was refused ({reason})" in last_message(again)
        assert chat.requests("data_analyst") == [] and values["ledger"] == {}
        assert values["messages"][-1]["content"] == f"I can't help with this request: {reason}."

    asyncio.run(go())


EDITED = "How many orders are there?"
DECISIONS = {
    "approve": {"type": "approve"},
    "edit": {
        "type": "edit",
        "edited_action": {"name": "guardrail:codename", "args": {"text": EDITED}},
    },
    "reject": {"type": "reject", "message": "not this project"},
}


@pytest.mark.parametrize("decision", list(DECISIONS))
def test_an_ask_guardrail_pauses_and_each_decision_does_what_it_says(
    guarded: Studio, decision: str
) -> None:
    async def go() -> None:
        chat = Chat(guarded)
        state = await chat.ask(FALCON_QUESTION)
        [pending] = state["interrupts"]
        [request] = pending["value"]["action_requests"]
        assert request["name"] == "guardrail:codename"
        assert request["args"] == {
            "stage": "input",
            "text": FALCON_QUESTION,
            "reason": FALCON_REASON,
        }
        assert chat.requests() == []  # it waits before the planner is called
        resume = {"resume": {"decisions": [DECISIONS[decision]]}}
        values = (await chat.run(command=resume))["values"]
        answer = values["messages"][-1]["content"]
        assert [e.get("decision") for e in trips(values, "codename")] == [decision]
        if decision == "reject":
            assert chat.requests() == []
            assert answer == (
                f"I can't help with this request: blocked by guardrail codename: {FALCON_REASON}"
                " (rejected by the user: not this project)."
            )
            return
        asked = last_message(chat.requests("orchestrator")[0])
        question = FALCON_QUESTION if decision == "approve" else EDITED
        assert asked.endswith(f"Current request:\n{question}"), asked
        assert values["messages"][0]["content"] == question
        assert answer.startswith("Answer from the team.\n## Step count (sql_analyst)")
        if decision == "edit":
            assert [r for r in chat.requests() if "Falcon" in body(r)] == []

    asyncio.run(go())
