"""sql_analyst: answers questions from the business database, read-only."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool

from nodes.specialists.spec import SpecialistSpec, StepArg

PROMPT = """You are sql_analyst: you answer questions from a business database with SQL.

Look at the tables you need (list_tables, describe_table), then query with run_sql \
(read-only). Prefer aggregates to raw rows; if a query fails, read the error and fix it. \
Answer with the numbers you found and the query behind them; never guess a number."""


@tool
def list_tables(step: StepArg) -> str:
    """List the tables of the database."""
    return "\n".join(step.workspace.database.list_tables())


@tool
def describe_table(table: str, step: StepArg) -> str:
    """Describe a table: its columns, their types and a few sample rows."""
    return step.workspace.database.describe_table(table)


@tool(response_format="content_and_artifact")
def run_sql(query: str, step: StepArg) -> tuple[str, dict[str, Any]]:
    """Run one read-only SQL query and return its rows (capped; aggregate for more)."""
    result = step.workspace.database.run_sql(query)
    folder = step.workspace.step_dir(step.brief)
    # One file per call: a call run again after a crash rewrites its own file, no other.
    csv_path, _ = step.workspace.effects.claim(step.effect_key, folder, "query_{}.csv".format)
    result.write_csv(csv_path)
    step.workspace.effects.finish(step.effect_key, csv_path)
    text = f"{result.render()}\n(saved as {csv_path.name})"
    return text, {"artifacts": [str(csv_path)]}


SPEC = SpecialistSpec(
    name="sql_analyst",
    description="Answers questions from the business database (customers, products, "
    "orders, returns, regions) with read-only SQL; returns numbers and a CSV of results.",
    prompt=PROMPT,
    tools=[list_tables, describe_table, run_sql],
)
