"""A 30-turn thread: the planner's prompt and the checkpoints stay flat, turn 1 stays reachable."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from langchain_core.messages import SystemMessage

from benchmarks.architectures import bench_registry
from benchmarks.long_thread import RECALL, TOP_CUSTOMER_SQL, TurnFigures, drive, policy
from graph.build import build_graph
from graph.persistence.checkpoints import open_checkpointer, open_store
from graph.testing.policy_model import PolicyModel
from nodes.specialists import SAMPLE_TEAM
from state.archive import Archive
from state.context import Context
from state.settings import Settings
from state.users import LOCAL_USER
from tools.workspace import Workspace

TURNS = 30


async def long_thread(home: Path) -> tuple[list[TurnFigures], PolicyModel, dict[str, Any], Any]:
    """Run 30 turns on SQLite; turn 30 asks again what turn 1 found."""
    url = f"sqlite:///{home / 'long.sqlite'}"
    model = PolicyModel(script={})
    model.use(policy)
    async with open_checkpointer(url) as saver, open_store(url) as store:
        graph = build_graph(
            saver, {"default": model}, store=store, specialists=bench_registry(SAMPLE_TEAM)
        )
        figures = await drive(graph, model, home / "long.sqlite", TURNS, "long", frozenset({30}))
        config = {"configurable": {"thread_id": "long"}}
        values = (await graph.aget_state(config)).values
        archived = await Archive(store, "long", LOCAL_USER).asteps()
    return figures, model, values, archived


def top_customer(home: Path) -> str:
    """Return the top customer by orders, read from the sample database itself."""
    db = Workspace(Settings(home=home)).sample.db_path
    with closing(sqlite3.connect(db)) as conn:
        return str(conn.execute(TOP_CUSTOMER_SQL).fetchone()[0])


def test_a_long_thread_keeps_a_flat_planner_prompt_and_flat_checkpoint_growth(
    isolated_env: Path,
) -> None:
    figures, model, values, archived = asyncio.run(long_thread(isolated_env))
    by_turn = {f.turn: f for f in figures}
    # The planner sees a summary and a few retrieved reports, never the whole thread.
    assert by_turn[30].planner_tokens <= 1.5 * by_turn[2].planner_tokens
    assert max(f.planner_tokens for f in figures) <= 1.5 * by_turn[2].planner_tokens
    # A checkpoint holds one turn: what a turn adds does not grow with the thread.
    assert by_turn[29].checkpoint_bytes <= 1.2 * by_turn[3].checkpoint_bytes
    # The state holds the last turn only; every earlier step is in the Archive, once.
    assert {rec["turn"] for rec in values["ledger"].values()} == {30}
    assert len(archived) == 2 * (TURNS - 1)
    ctx = Context()
    assert len(values["summary"]) <= ctx.summary_chars
    questions = [m for m in values["messages"] if m.type == "human"]
    assert len(questions) == ctx.chat_turns
    # The summary was rewritten by the model when it outgrew its limit, not every turn.
    rewrites = [c for c in model.calls if c.role == "summarizer"]
    assert 0 < len(rewrites) < TURNS // 2


def test_turn_one_s_finding_reaches_the_planner_at_turn_thirty(isolated_env: Path) -> None:
    _, model, values, _ = asyncio.run(long_thread(isolated_env))
    planner_prompts = [
        c.messages[-1].text
        for c in model.calls
        if c.role == "orchestrator"
        and "the planner" in next(m.text for m in c.messages if isinstance(m, SystemMessage))
    ]
    last = planner_prompts[-1]
    assert RECALL in last
    # Retrieved, not remembered: the summary has long since dropped turn 1.
    assert "Turn 1:" not in values["summary"]
    assert "1.s1" in last and top_customer(isolated_env) in last
    # The planner reused turn 1's report instead of running the query again.
    assert values["ledger"]["30.s1"]["status"] == "reused"
    assert values["ledger"]["30.s1"]["reused_from"] == "1.s1"
