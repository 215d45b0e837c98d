"""Scripts for the scripted OpenAI server: the sample team answering real questions."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage

from graph.testing import call, last_tool_text, plan, step

NORTH_SECTION = "Revision 2025-04-01: North returns window cut to 14 days"
ORDERS_2025_SQL = "SELECT COUNT(*) AS orders_2025 FROM orders WHERE order_date >= '2025-01-01'"


def echo_tool(messages: list[BaseMessage]) -> dict[str, Any]:
    """Answer with the latest tool result, as a specialist summarising what it found."""
    return {"content": "Found: " + last_tool_text(messages)}


def echo_reports(messages: list[BaseMessage]) -> dict[str, Any]:
    """Answer with the reports the finalizer was given."""
    return {"content": "Answer from the team.\n" + messages[-1].text.split("Reports:\n", 1)[-1]}


def sql_and_docs() -> dict[str, list[Any]]:
    """Return a two-step parallel run: a SQL count and the North returns policy."""
    return {
        "orchestrator": [
            plan(
                step("orders", "sql_analyst", "Count the orders placed in 2025."),
                step("policy", "doc_researcher", "What does the returns policy say about North?"),
            ),
            echo_reports,
        ],
        "sql_analyst": [call("run_sql", query=ORDERS_2025_SQL), echo_tool],
        "doc_researcher": [
            call("search_docs", query="North returns window"),
            call("read_doc", doc="returns-policy.md", section=NORTH_SECTION),
            echo_tool,
        ],
    }
