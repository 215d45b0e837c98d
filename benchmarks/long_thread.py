"""A long conversation: planner prompt, checkpoint bytes and time per turn, turns 1 to N."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage

from graph.testing import estimate_tokens, plan
from graph.testing.policy_model import PolicyModel

REGIONS = ("North", "South", "East", "West")
CHANNELS = ("web", "store", "phone")
YEARS = (2024, 2025)
FIRST = "Which customer placed the most orders?"
RECALL = "Remind me: which customer placed the most orders?"
TOP_CUSTOMER_SQL = (
    "SELECT c.name, COUNT(*) AS orders FROM orders o JOIN customers c "
    "ON c.customer_id = o.customer_id GROUP BY c.name ORDER BY orders DESC, c.name LIMIT 1"
)
_STEP = re.compile(r"^Step (\S+):")
_REUSABLE = re.compile(r"^- (\d+\.s1) \(sql_analyst\) Find the customer who placed", re.M)


def question(turn: int, recall_at: frozenset[int]) -> str:
    """Return the user's question at a turn: a new slice of the data, or a recall of turn 1."""
    if turn == 1:
        return FIRST
    if turn in recall_at:
        return RECALL
    region = REGIONS[turn % len(REGIONS)]
    channel = CHANNELS[(turn // 4) % len(CHANNELS)]
    year = YEARS[(turn // 12) % len(YEARS)]
    return f"How many {channel} orders came from the {region} region in {year}, and what share?"


def _steps_for(text: str) -> list[dict[str, Any]]:
    """Return the two steps the planner makes for a question."""
    if "most orders" in text:
        return [
            {
                "id": "s1",
                "specialist": "sql_analyst",
                "objective": "Find the customer who placed the most orders, with the count.",
            },
            {"id": "s2", "specialist": "sql_analyst", "objective": "Count all customers."},
        ]
    m = re.search(r"many (\w+) orders came from the (\w+) region in (\d+)", text)
    channel, region, year = m.groups() if m else ("web", "North", "2024")
    return [
        {
            "id": "s1",
            "specialist": "sql_analyst",
            "objective": f"Count {channel} orders from the {region} region in {year}.",
        },
        {"id": "s2", "specialist": "sql_analyst", "objective": f"Count all orders in {year}."},
    ]


def _sql_for(objective: str) -> str:
    """Return the one query a step's objective needs."""
    if "most orders" in objective:
        return TOP_CUSTOMER_SQL
    if objective.startswith("Count all customers"):
        return "SELECT COUNT(*) AS customers FROM customers"
    m = re.search(r"Count (\w+) orders from the (\w+) region in (\d+)", objective)
    if m:
        channel, region, year = m.groups()
        return (
            "SELECT COUNT(*) AS orders FROM orders o JOIN customers c ON c.customer_id = "
            "o.customer_id JOIN regions r ON r.region_id = c.region_id WHERE o.channel = "
            f"'{channel}' AND r.name = '{region}' AND o.order_date LIKE '{year}%'"
        )
    found = re.search(r"\d{4}", objective)
    year = found.group(0) if found else "2024"
    return f"SELECT COUNT(*) AS orders FROM orders WHERE order_date LIKE '{year}%'"


def policy(role: str, messages: list[BaseMessage]) -> dict[str, Any]:
    """Play every role of a long conversation, by what each request holds."""
    system = next((m.text for m in messages if isinstance(m, SystemMessage)), "")
    last = messages[-1].text
    if role == "summarizer":
        # A note-keeper: the latest turns, a line each, about half the limit.
        lines = [line[:110] for line in last.splitlines() if line.strip()]
        return {"content": "\n".join(lines[-3:])}
    if role == "orchestrator" and "the planner" in system:
        request = last.split("Current request:", 1)[-1]
        steps = _steps_for(request)
        reusable = _REUSABLE.search(last)
        if "Remind me" in request and reusable:
            steps[0]["reuse"] = reusable.group(1)
        return plan(*steps)
    if role == "orchestrator":
        reports = last.split("Reports:\n", 1)[-1]
        facts = [
            line for line in reports.splitlines() if line and not line.startswith(("#", "Status"))
        ]
        return {"content": "Answer: " + " ".join(facts)[:300]}
    step = _STEP.match(next(m.text for m in messages if isinstance(m, HumanMessage)))
    objective = next(m.text for m in messages if isinstance(m, HumanMessage)).split(": ", 1)[-1]
    results = [m for m in messages if isinstance(m, ToolMessage)]
    if not results:
        return {"tool_calls": [{"name": "run_sql", "args": {"query": _sql_for(objective)}}]}
    label = step.group(1) if step else "s"
    return {"content": f"[{label}] " + results[-1].text.split("\n(saved as")[0][:300]}


@dataclass
class TurnFigures:
    """What one turn cost and left behind."""

    turn: int
    planner_tokens: int
    checkpoint_bytes: int
    store_bytes: int
    ms: float
    checkpoints: int


def table_bytes(db: Path) -> tuple[int, int, int]:
    """Return bytes held by checkpoints (rows, values, writes), by the Store, and the count."""
    with closing(sqlite3.connect(db)) as conn:
        cp = conn.execute(
            "SELECT COALESCE(SUM(LENGTH(checkpoint) + LENGTH(metadata)), 0), COUNT(*) "
            "FROM checkpoints"
        ).fetchone()
        writes = conn.execute("SELECT COALESCE(SUM(LENGTH(value)), 0) FROM writes").fetchone()
        blobs = conn.execute("SELECT COALESCE(SUM(LENGTH(blob)), 0) FROM checkpoint_blobs")
        store = conn.execute("SELECT COALESCE(SUM(LENGTH(value)), 0) FROM store").fetchone()
        held = int(cp[0]) + int(writes[0]) + int(blobs.fetchone()[0])
    return held, int(store[0]), int(cp[1])


def planner_tokens(model: PolicyModel, since: int) -> int:
    """Return the prompt tokens of the turn's first planner call."""
    for call in model.calls[since:]:
        system = next((m.text for m in call.messages if isinstance(m, SystemMessage)), "")
        if call.role == "orchestrator" and "the planner" in system:
            return sum(estimate_tokens(m.text) for m in call.messages)
    return 0


async def drive(
    graph: Any, model: PolicyModel, db: Path, turns: int, thread_id: str, recall_at: frozenset[int]
) -> list[TurnFigures]:
    """Run a thread turn by turn and return each turn's figures."""
    config = {"configurable": {"thread_id": thread_id}, "recursion_limit": 200}
    figures: list[TurnFigures] = []
    before, store_before, count_before = await asyncio.to_thread(table_bytes, db)
    for turn in range(1, turns + 1):
        since = len(model.calls)
        started = time.perf_counter()
        await graph.ainvoke(
            {"messages": [HumanMessage(question(turn, recall_at))]}, config, durability="sync"
        )
        ms = (time.perf_counter() - started) * 1000
        after, store_after, count_after = await asyncio.to_thread(table_bytes, db)
        figures.append(
            TurnFigures(
                turn,
                planner_tokens(model, since),
                after - before,
                store_after - store_before,
                round(ms, 1),
                count_after - count_before,
            )
        )
        before, store_before, count_before = after, store_after, count_after
    return figures


def as_rows(figures: list[TurnFigures]) -> list[dict[str, Any]]:
    """Return the figures as plain dicts for results.json."""
    return [asdict(f) for f in figures]
