"""Scripts for the scripted OpenAI server: the sample team answering real questions."""

from __future__ import annotations

from typing import Any

NORTH_SECTION = "Revision 2025-04-01: North returns window cut to 14 days"
ORDERS_2025_SQL = "SELECT COUNT(*) AS orders_2025 FROM orders WHERE order_date >= '2025-01-01'"


def plan(*steps: tuple[str, str, str, list[str]]) -> dict[str, Any]:
    """Return a Plan tool call."""
    args = [{"id": i, "specialist": s, "objective": o, "depends_on": d} for i, s, o, d in steps]
    return {"tool_calls": [{"name": "Plan", "args": {"steps": args}}]}


def call(name: str, **args: Any) -> dict[str, Any]:
    """Return one tool call."""
    return {"tool_calls": [{"name": name, "args": args}]}


def last_tool_text(request: dict[str, Any]) -> str:
    """Return the content of the request's latest tool message."""
    tools = [m for m in request["messages"] if m.get("role") == "tool"]
    content = tools[-1]["content"]
    return content if isinstance(content, str) else str(content)


def echo_tool(request: dict[str, Any]) -> dict[str, Any]:
    """Answer with the latest tool result, as a specialist summarising what it found."""
    return {"content": "Found: " + last_tool_text(request)}


def echo_reports(request: dict[str, Any]) -> dict[str, Any]:
    """Answer with the reports the finalizer was given."""
    text = request["messages"][-1]["content"]
    return {"content": "Answer from the team.\n" + str(text).split("Reports:\n", 1)[-1]}


def sql_and_docs() -> dict[str, list[Any]]:
    """Return a two-step parallel run: a SQL count and the North returns policy."""
    return {
        "orchestrator": [
            plan(
                ("orders", "sql_analyst", "Count the orders placed in 2025.", []),
                ("policy", "doc_researcher", "What does the returns policy say about North?", []),
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
