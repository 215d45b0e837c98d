"""sql_analyst: answers questions from the business database, read-only."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool

from nodes.specialists.spec import StepArg


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


# Its description, prompt and reviews are in builtin.yaml, the built-in team file.
TOOLS = [list_tables, describe_table, run_sql]
