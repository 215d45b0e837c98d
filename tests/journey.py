"""The journey every face walks (test_journey_*, the served script): a three-turn thread.

Turn 1 counts 2025's orders; turn 2 writes a report of that, reusing turn 1's count (an
approval); turn 3 counts 2024 and compares, reusing the 2025 count again. The orchestrator
plans by the question and reuses a count when it is offered one, as a planner should.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from langchain_core.messages import BaseMessage

from graph.testing import answer, call, last_tool_text, plan, step
from tests.integration_tests.scripts import echo_tool

JOURNEY_COUNT = "Count the orders placed in {year}."
JOURNEY_STEP = re.compile(r"^## Step (\S+) \(\w+\): .*\nStatus: (\w+)\n(.*)$", re.MULTILINE)
JOURNEY_FACT = re.compile(r"There were (\d+) orders in (\d{4})\.")


def year_count_sql(year: int) -> str:
    """Return the query that counts the orders placed in a year."""
    return (
        "SELECT COUNT(*) AS orders FROM orders "
        f"WHERE order_date >= '{year}-01-01' AND order_date < '{year + 1}-01-01'"
    )


def counted(year: int) -> Callable[[list[BaseMessage]], dict[str, Any]]:
    """Return a count step's summary: the number its query returned, as a sentence."""

    def summary(messages: list[BaseMessage]) -> dict[str, Any]:
        found = re.search(r"^(\d+)$", last_tool_text(messages), re.MULTILINE)
        return answer(f"There were {found.group(1) if found else 'no'} orders in {year}.")

    return summary


def report_of_brief(messages: list[BaseMessage]) -> dict[str, Any]:
    """Ask to write a report stating the facts of the reports the step's brief holds."""
    facts = [m.group(0) for m in JOURNEY_FACT.finditer(messages[1].text)]
    return call("write_report", title="Orders in 2025", body_markdown=" ".join(facts))


def journey(messages: list[BaseMessage]) -> dict[str, Any]:
    """Plan a journey turn by its question (reusing an offered 2025 count), or answer it."""
    if "finalizer" in messages[0].text:
        reports = messages[-1].text.split("Reports:\n", 1)[-1]
        said = [
            f"Step {sid}{' (reused)' if status == 'reused' else ''}: "
            + text.removeprefix("Found: ")
            for sid, status, text in JOURNEY_STEP.findall(reports)
        ]
        years = {year: int(n) for n, year in JOURNEY_FACT.findall(reports)}
        if {"2024", "2025"} <= years.keys():
            more = years["2025"] - years["2024"]
            said.append(
                f"2025 had {abs(more)} {'more' if more >= 0 else 'fewer'} orders than 2024."
            )
        return answer(" ".join(said))
    request = messages[-1].text
    question = request.split("Current request:\n", 1)[-1]
    offered = re.search(
        rf"^- (\S+) \(sql_analyst\) {re.escape(JOURNEY_COUNT.format(year=2025))}",
        request,
        re.MULTILINE,
    )
    # Reuse the earlier count when it is offered, as a planner should; else count afresh.
    reuse = {"reuse": offered.group(1)} if offered else {}
    count_2025 = JOURNEY_COUNT.format(year=2025)
    if "report" in question:
        return plan(
            step("jcite", "sql_analyst", count_2025, **reuse),
            step("jwrite", "report_writer", "Write a report of the 2025 order count.", "jcite"),
        )
    if "2024" in question:
        return plan(
            step("j2024", "sql_analyst", JOURNEY_COUNT.format(year=2024)),
            step("jagain", "sql_analyst", count_2025, **reuse),
        )
    return plan(step("j2025", "sql_analyst", count_2025))


JOURNEY_SCRIPT: dict[str, Any] = {
    "orchestrator": journey,
    "sql_analyst:j2025": [call("run_sql", query=year_count_sql(2025)), counted(2025)],
    "sql_analyst:j2024": [call("run_sql", query=year_count_sql(2024)), counted(2024)],
    "report_writer:jwrite": [report_of_brief, echo_tool],
}
