"""Readers of the `updates` stream fold each update in as LangGraph does (reducers, Overwrite)."""

from __future__ import annotations

import io

from langgraph.types import Overwrite
from rich.console import Console

from graph.cli.progress import Progress
from state.updates import apply_update

TURN_1 = {
    "1.count": {
        "key": "1.count",
        "id": "count",
        "turn": 1,
        "specialist": "sql_analyst",
        "objective": "Count the orders.",
        "status": "done",
    }
}
TURN_2_STEP = {
    "key": "2.again",
    "id": "again",
    "turn": 2,
    "specialist": "report_writer",
    "objective": "Write it again.",
    "status": "waiting",
}


def test_an_overwrite_replaces_a_reduced_channel_and_a_merge_merges() -> None:
    values = {"ledger": TURN_1, "turn": 1}
    merged = apply_update(values, {"ledger": {"1.count": {"attempts": 2}}})
    assert merged["ledger"]["1.count"]["attempts"] == 2
    assert merged["ledger"]["1.count"]["status"] == "done"
    replaced = apply_update(values, {"ledger": Overwrite({"2.again": TURN_2_STEP}), "turn": 2})
    assert replaced["ledger"] == {"2.again": TURN_2_STEP} and replaced["turn"] == 2
    # The JSON form a server sends of an Overwrite is the same overwrite.
    wire = apply_update(values, {"ledger": {"__overwrite__": {}}})
    assert wire["ledger"] == {}
    assert values["ledger"] is TURN_1 and "attempts" not in TURN_1["1.count"]


def test_progress_reads_a_new_turns_plan_that_overwrites_the_ledger() -> None:
    text = io.StringIO()
    progress = Progress(Console(file=text, width=200), values={"ledger": TURN_1, "turn": 1})
    # What the plan node streams on a thread's second turn.
    update = {
        "turn": 2,
        "ledger": Overwrite({"2.again": TURN_2_STEP}),
        "reports": Overwrite({}),
        "orchestrator_usage": Overwrite({"earlier": {"llm_calls": 2}}),
    }
    progress.handle((), {"plan": update})
    progress.handle((), {"review": {"ledger": {"2.again": {"status": "done"}}}})
    lines = [" ".join(line.split()) for line in text.getvalue().splitlines()]
    assert lines == [
        "plan (turn 2):",
        "• again report_writer: Write it again.",
        "done again report_writer",
    ]
