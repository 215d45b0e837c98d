"""What the conversation-control server tests drive: a script, a held request, a thread.

The scripted orchestrator plans by the question's first words and answers naming the
question; `Hold` keeps a role's model request waiting (the server's `on_request` hook) until
the test has done what it does while a run is busy; `Thread` is one thread on the server.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from langchain_core.messages import BaseMessage

from graph.testing import answer, call, plan, step
from tests.integration_tests.scripts import echo_tool
from tests.integration_tests.studio import COUNT_SQL, Studio
from tests.integration_tests.test_guardrails_server import Chat

RUN_S = 60
PROGRESS = "orchestra-progress"


def orchestrate(messages: list[BaseMessage]) -> dict[str, Any]:
    """Plan by the question's first words; answer naming the question it answers."""
    system, last = messages[0].text, messages[-1].text
    if "finalizer" in system:
        request = last.split("Request: ", 1)[-1].split("\n\nReports:", 1)[0].splitlines()[-1]
        return answer(f"Answer to: {request}")
    question = last.split("Current request:\n", 1)[-1]
    # Each thread's questions carry a tag, so no request is the same as another thread's.
    tag = question.rsplit(" ", 1)[-1]
    count = step("count", "sql_analyst", f"Count the orders {tag}.")
    if question.startswith("Count and report"):
        return plan(count, step("write", "report_writer", f"Write the count {tag}.", "count"))
    if question.startswith("Only count"):
        return plan(count)
    if question.startswith("Two reports"):
        return plan(
            step("a", "report_writer", f"Write report A {tag}."),
            step("b", "report_writer", f"Write report B {tag}."),
        )
    return plan()


SCRIPT: dict[str, Any] = {
    "orchestrator": orchestrate,
    "sql_analyst": [call("run_sql", query=COUNT_SQL), echo_tool],
    "report_writer": [
        call("write_report", title="Order count", body_markdown="The orders were counted."),
        echo_tool,
    ],
}


class Hold:
    """Holds the first model request of a role until released (the server's request hook)."""

    def __init__(self, studio: Studio, role: str, answer: bool, nth: int = 1) -> None:
        self.studio, self.role, self.answer, self.nth = studio, role, answer, nth
        self.arrived, self.released = threading.Event(), threading.Event()

    def __enter__(self) -> Hold:
        self.studio.model.on_request = self.hook
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.studio.model.on_request = None

    def hook(self, role: str, at: str) -> bool:
        if role != self.role or self.arrived.is_set():
            return False
        self.nth -= 1
        if self.nth:
            return False
        self.arrived.set()
        self.released.wait(RUN_S)
        return not self.answer  # a cancelled run's request is dropped, never answered

    async def reached(self) -> None:
        assert await asyncio.to_thread(self.arrived.wait, RUN_S), f"no {self.role} request"


class Thread(Chat):
    """One thread on the server and the model requests made since it began."""

    @property
    def id(self) -> str:
        return self.thread

    def said(self, text: str) -> str:
        """Return a question as this thread asks it: tagged with the thread."""
        return f"{text} #{self.id[-12:]}"  # (a uuid7's first digits are its time)

    async def start(self) -> Thread:
        self.thread = (await self.client.threads.create())["thread_id"]
        return self

    async def create(self, question: str | None, **kwargs: Any) -> dict[str, Any]:
        """Start a run (in the background) with a question, or none to resume."""
        said = {"role": "user", "content": self.said(question)} if question else None
        given = {"input": {"messages": [said]}} if said else {}
        return await self.client.runs.create(self.id, "orchestrator", **given, **kwargs)

    async def ask(self, question: str | None, **kwargs: Any) -> dict[str, Any]:
        """Run to its end; return the thread's state."""
        run = await self.create(question, **kwargs)
        await asyncio.wait_for(self.client.runs.join(self.id, run["run_id"]), RUN_S)
        return await self.client.threads.get_state(self.id)

    async def held(self, question: str, hold: Hold) -> dict[str, Any]:
        """Start a run and return it once it reaches the held request."""
        run = await self.create(question)
        await hold.reached()
        return run

    async def join(self, run: dict[str, Any]) -> None:
        await asyncio.wait_for(self.client.runs.join(self.id, run["run_id"]), RUN_S)

    def planned(self) -> list[str]:
        """Return what each planner request of this thread asked, in order."""
        asked = self.studio.model.requests[self.before :]
        return [
            r["request"]["messages"][-1]["content"]
            for r in asked
            if r["role"] == "orchestrator" and "planner" in r["request"]["messages"][0]["content"]
        ]

    def repeats(self) -> list[Any]:
        return [r for r in self.studio.model.requests[self.before :] if r.get("repeat")]

    async def archived(self, kind: str = "steps") -> dict[str, dict[str, Any]]:
        # The server's /store puts a user's namespaces under ("users", <user>) (graph/auth).
        found = await self.client.store.search_items(("threads", self.id, kind), limit=100)
        return {item["key"]: item["value"] for item in found["items"]}

    def reports(self) -> list[str]:
        return sorted(p.name for p in (self.studio.home / "runs" / self.id).glob("*.md"))


def texts(state: dict[str, Any]) -> list[str]:
    """Return what was said on the thread, each line's thread tag left out."""
    return [
        m["content"].rsplit(" #", 1)[0]
        for m in state["values"]["messages"]
        if m.get("name") != PROGRESS
    ]
