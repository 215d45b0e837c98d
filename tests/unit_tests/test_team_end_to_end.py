"""The sample team on its real back ends, played by a scripted model: numbers and citations."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import matplotlib.image
from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from graph import build_graph
from graph.cli.demo_script import BEFORE_AFTER_SQL, CHART_CODE, MONTHLY_RATES_SQL, NORTH_SECTION
from graph.testing import ScriptedChatModel, call, last_tool_text, plan, step


def summarise(messages: list[BaseMessage]) -> dict[str, Any]:
    return {"content": last_tool_text(messages)}


def final(messages: list[BaseMessage]) -> dict[str, Any]:
    return {"content": messages[-1].text.split("Reports:\n", 1)[-1]}


def table_in(text: str, header: str) -> dict[tuple[str, str], str]:
    """Return the rows of the `|` table under `header` in `text`, keyed by their first cells."""
    lines = text.splitlines()
    rows = {}
    for line in lines[lines.index(header) + 1 :]:
        cells = [c.strip() for c in line.split("|")]
        if len(cells) != 3:
            break
        rows[(cells[0], cells[1])] = cells[2]
    return rows


def three_step_script() -> dict[str, list[Any]]:
    three = plan(
        step("rates", "sql_analyst", "Return rates by month"),
        step("policy", "doc_researcher", "North returns policy"),
        step("chart", "data_analyst", "Chart the rates", "rates"),
    )
    return {
        "orchestrator": [three, final],
        "sql_analyst": [
            call("run_sql", query=MONTHLY_RATES_SQL),
            call("run_sql", query=BEFORE_AFTER_SQL),
            summarise,
        ],
        "doc_researcher": [
            call("search_docs", query="North returns window"),
            call("read_doc", doc="returns-policy.md", section=NORTH_SECTION),
            summarise,
        ],
        "data_analyst": [
            {"tool_calls": [{"name": "run_python", "args": {"code": CHART_CODE}}]},
            summarise,
        ],
    }


def test_three_step_plan_answers_with_real_numbers_citation_and_chart(isolated_env: Path) -> None:
    model = ScriptedChatModel(script=three_step_script())
    graph = build_graph(InMemorySaver(), {"default": model})
    config = {"configurable": {"thread_id": "e2e"}}
    result = asyncio.run(
        graph.ainvoke({"messages": [HumanMessage("Why did North's returns fall?")]}, config)
    )
    answer = result["messages"][-1].content
    db = sqlite3.connect(isolated_env / "sample" / "business.db")
    rates = {(region, period): pct for region, period, pct in db.execute(BEFORE_AFTER_SQL)}
    assert rates[("North", "before")] > 3 * rates[("North", "from 2025-04-01")]
    # The rates step's table, as the answer quotes it, is the database's, row for row.
    assert table_in(answer, "region | period          | return_rate_pct") == {
        (region, period): f"{pct:g}" for (region, period), pct in rates.items()
    }
    assert f"returns-policy.md § {NORTH_SECTION}" in answer
    assert "In region North only, the returns window is cut from 60 to 14 days" in answer
    chart = result["reports"]["1.chart"]["artifacts"]
    assert len(chart) == 1 and chart[0].endswith(".png")
    assert matplotlib.image.imread(chart[0]).shape[0] > 100
    # the chart step got the SQL step's CSV as its input, and only that
    brief = model.calls_for("data_analyst")[0].messages[1].text
    assert "query_1.csv" in brief and "returns-policy" not in brief
    assert "mean monthly return rate" in result["reports"]["1.chart"]["summary"]


def test_report_writer_waits_for_approval_then_writes_or_declines(isolated_env: Path) -> None:
    write = call("write_report", title="North", body_markdown="Returns fell.")
    report = plan(step("report", "report_writer", "Write the report"))
    # Both threads plan alike (one planner request), then each finalizes its own reports.
    script = {"orchestrator": [report, final, final], "report_writer": [write, summarise]}
    graph = build_graph(InMemorySaver(), {"default": ScriptedChatModel(script=script)})
    runs = isolated_env / "runs"

    approve = {"configurable": {"thread_id": "approve"}}
    asyncio.run(graph.ainvoke({"messages": [HumanMessage("report please")]}, approve))
    paused = asyncio.run(graph.aget_state(approve))
    request = paused.interrupts[0].value
    assert request["action_requests"][0]["name"] == "write_report"
    assert request["action_requests"][0]["args"] == {
        "title": "North",
        "body_markdown": "Returns fell.",
    }
    assert request["review_configs"] == [
        {"action_name": "write_report", "allowed_decisions": ["approve", "edit", "reject"]}
    ]
    assert not (runs / "approve" / "report.md").exists()
    done = asyncio.run(graph.ainvoke(Command(resume={"decisions": [{"type": "approve"}]}), approve))
    assert (runs / "approve" / "report.md").read_text().startswith("# North")
    assert "Report written to" in done["messages"][-1].content

    reject = {"configurable": {"thread_id": "reject"}}
    asyncio.run(graph.ainvoke({"messages": [HumanMessage("report please")]}, reject))
    no = {"decisions": [{"type": "reject", "message": "not today"}]}
    declined = asyncio.run(graph.ainvoke(Command(resume=no), reject))
    assert not list((runs / "reject").glob("*.md"))
    assert "with reason: not today" in declined["messages"][-1].content
