"""A user's three-turn thread through the compiled graph in process, sync and async faces.

The real sample team on the sample database, checkpointed in SQLite with its Store as the
command line keeps them: turn 1 counts 2025's orders, turn 2 writes a report of that (an
approval: edited in the sync walk, rejected in the async one), turn 3 counts 2024 and reuses
turn 1's count. Every answer is checked against the database, and no completed model call is
ever made twice. The script is the served one's (tests/journey.py), so every face plays
the same conversation.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import ToolMessage
from langgraph.types import Command

from graph.build import build_graph
from graph.persistence.checkpoints import open_checkpointer, open_store
from graph.testing import ScriptedChatModel
from tests.journey import JOURNEY_SCRIPT as SCRIPT
from tests.journey import year_count_sql

QUESTIONS = (
    "Journey: how many orders were placed in 2025?",
    "Journey: write a report of that.",
    "Journey: and how many in 2024, compared with 2025?",
)
EDITED = {"title": "Orders in 2025 (checked)", "body_markdown": "Checked by hand: {fact}"}
REJECT = {"decisions": [{"type": "reject", "message": "not before the audit"}]}


@dataclass
class Facts:
    """What the sample database says, and where the thread's files go."""

    home: Path
    thread: str
    orders: dict[int, int]

    @property
    def config(self) -> dict[str, Any]:
        return {"configurable": {"thread_id": self.thread}}

    def said(self, year: int) -> str:
        return f"There were {self.orders[year]} orders in {year}."

    @property
    def report(self) -> Path:
        return self.home / "runs" / self.thread / "report.md"

    def turn_three_answer(self) -> str:
        more = self.orders[2025] - self.orders[2024]
        return (
            f"Step j2024: {self.said(2024)} Step jagain (reused): {self.said(2025)} "
            f"2025 had {abs(more)} {'more' if more >= 0 else 'fewer'} orders than 2024."
        )


def facts_of(home: Path, thread: str) -> Facts:
    with closing(sqlite3.connect(home / "sample" / "business.db")) as conn:
        orders = {y: conn.execute(year_count_sql(y)).fetchone()[0] for y in (2024, 2025)}
    return Facts(home, thread, orders)


def ask(question: str) -> dict[str, Any]:
    return {"messages": [("user", question)]}


def on_sqlite(home: Path, walk: Callable[[Any], Awaitable[None]]) -> ScriptedChatModel:
    """Walk a graph checkpointed in SQLite, with its Store beside, as the command line does."""
    model = ScriptedChatModel(script=SCRIPT)

    async def main() -> None:
        url = f"sqlite:///{home / 'journey.sqlite'}"
        async with open_checkpointer(url) as saver, open_store(url) as store:
            await walk(build_graph(saver, {"default": model}, store=store))

    asyncio.run(main())
    return model


def check_turn_one(out: dict[str, Any], facts: Facts) -> None:
    assert out["messages"][-1].content == f"Step j2025: {facts.said(2025)}"
    assert out["ledger"]["1.j2025"]["status"] == "done"


def check_approval_request(request: dict[str, Any], facts: Facts) -> None:
    # The writer's brief held the reused report: its call states turn 1's fact.
    [action] = request["action_requests"]
    assert action["name"] == "write_report"
    assert action["args"] == {"title": "Orders in 2025", "body_markdown": facts.said(2025)}


def reports_written(facts: Facts) -> list[str]:
    return sorted(p.name for p in facts.report.parent.glob("*.md"))


def check_turn_three(values: dict[str, Any], facts: Facts) -> None:
    assert values["messages"][-1].content == facts.turn_three_answer()
    ledger = values["ledger"]
    assert ledger["3.j2024"]["status"] == "done"
    assert ledger["3.jagain"]["status"] == "reused"
    assert ledger["3.jagain"]["reused_from"] == "1.j2025"
    # The chat keeps the last two turns: question, progress, answer each.
    chat = [(m.type, m.name) for m in values["messages"]]
    assert chat == [("human", None), ("ai", "orchestra-progress"), ("ai", "orchestra")] * 2
    assert values["messages"][0].content == QUESTIONS[1]
    assert values["messages"][4].content == (
        "Plan (2 steps):\n"
        "1. j2024 · sql_analyst: Count the orders placed in 2024. — done\n"
        "2. jagain · sql_analyst: Count the orders placed in 2025. — reused an earlier report"
    )


def check_model_calls(model: ScriptedChatModel) -> None:
    # The reused steps (jcite, jagain) never reached their specialist; nothing ran twice.
    steps = [c.step for c in model.calls_for("sql_analyst")]
    assert steps == ["j2025", "j2025", "j2024", "j2024"]
    assert [c.step for c in model.calls_for("report_writer")] == ["jwrite", "jwrite"]
    assert model.repeats == []


def interrupt_of(chunks: list[Any]) -> dict[str, Any]:
    [pending] = [c["__interrupt__"] for c in chunks if "__interrupt__" in c]
    return pending[0].value


def test_invoke_and_stream_walk_a_thread_edit_its_report_and_reuse_turn_one(
    isolated_env: Path,
) -> None:
    facts = facts_of(isolated_env, "journey-sync")

    def walk(graph: Any) -> None:
        check_turn_one(graph.invoke(ask(QUESTIONS[0]), facts.config), facts)

        chunks = list(graph.stream(ask(QUESTIONS[1]), facts.config, stream_mode="updates"))
        check_approval_request(interrupt_of(chunks), facts)
        assert reports_written(facts) == []
        args = {**EDITED, "body_markdown": EDITED["body_markdown"].format(fact=facts.said(2025))}
        edit = {"type": "edit", "edited_action": {"name": "write_report", "args": args}}
        states = list(
            graph.stream(Command(resume={"decisions": [edit]}), facts.config, stream_mode="values")
        )
        answer = states[-1]["messages"][-1].content
        assert answer == (
            f"Step jcite (reused): {facts.said(2025)} Step jwrite: Report written to {facts.report}"
        )
        # The edited call ran: the file holds the reviewer's title and body, once.
        assert facts.report.read_text().startswith("# Orders in 2025 (checked)")
        assert f"Checked by hand: {facts.said(2025)}" in facts.report.read_text()
        assert reports_written(facts) == ["report.md"]

        events = list(
            graph.stream(
                ask(QUESTIONS[2]), facts.config, stream_mode=["updates", "values"], subgraphs=True
            )
        )
        values = [chunk for ns, mode, chunk in events if mode == "values" and not ns][-1]
        check_turn_three(values, facts)
        # Only the new step ran a specialist subgraph on turn 3.
        ran = {ns[0].split(":")[0] for ns, mode, _ in events if ns and mode == "updates"}
        assert ran == {"sql_analyst"}

    async def in_a_thread(graph: Any) -> None:
        # The sync face runs off the event loop, as a user's script would.
        await asyncio.to_thread(walk, graph)

    check_model_calls(on_sqlite(isolated_env, in_a_thread))


def test_ainvoke_and_astream_walk_a_thread_reject_its_report_and_reuse_turn_one(
    isolated_env: Path,
) -> None:
    facts = facts_of(isolated_env, "journey-async")

    async def walk(graph: Any) -> None:
        check_turn_one(await graph.ainvoke(ask(QUESTIONS[0]), facts.config), facts)

        chunks = [c async for c in graph.astream(ask(QUESTIONS[1]), facts.config)]
        check_approval_request(interrupt_of(chunks), facts)
        # Files are looked at off the event loop, where the blocking-call detector watches.
        assert await asyncio.to_thread(reports_written, facts) == []
        out = await graph.ainvoke(Command(resume=REJECT), facts.config)
        assert out["messages"][-1].content == (
            f"Step jcite (reused): {facts.said(2025)} Step jwrite: Error: User rejected the tool "
            "call for `write_report` with reason: not before the audit"
        )
        assert await asyncio.to_thread(reports_written, facts) == []

        events = [
            e
            async for e in graph.astream(
                ask(QUESTIONS[2]), facts.config, stream_mode=["messages", "values"]
            )
        ]
        values = [chunk for mode, chunk in events if mode == "values"][-1]
        check_turn_three(values, facts)
        said = [chunk for mode, chunk in events if mode == "messages"]
        streamed = "".join(m.text for m, meta in said if meta["langgraph_node"] == "finalize")
        assert streamed == facts.turn_three_answer()

    model = on_sqlite(isolated_env, walk)
    check_model_calls(model)
    # The writer read the reviewer's reason in place of the tool's result.
    told = model.calls_for("report_writer")[-1].messages[-1]
    assert isinstance(told, ToolMessage) and "with reason: not before the audit" in told.text
