"""data_analyst: computes statistics and draws charts in a sandboxed Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.tools import tool

from nodes.specialists.spec import StepArg
from state.reports import Brief


def input_files(brief: Brief) -> list[Path]:
    """Return the data files handed over by the brief's input reports."""
    files = [Path(a) for report in brief.inputs for a in report.artifacts]
    return [f for f in files if f.suffix in {".csv", ".json", ".txt"} and f.is_file()]


@tool(response_format="content_and_artifact")
def run_python(code: str, step: StepArg) -> tuple[str, dict[str, Any]]:
    """Run Python code in a sandbox; input data is in ./inputs/, save charts as PNG."""
    from tools.sandbox import run_python as run_in_sandbox

    result = run_in_sandbox(
        code,
        inputs=input_files(step.brief),
        artifacts_dir=step.workspace.step_dir(step.brief),
    )
    parts = [f"exit code {result.exit_code}"]
    if result.note:
        parts.append(result.note)
    if result.stdout:
        parts.append("stdout:\n" + result.stdout)
    if result.stderr:
        parts.append("stderr:\n" + result.stderr)
    if result.artifacts:
        parts.append("charts: " + ", ".join(p.name for p in result.artifacts))
    return "\n".join(parts), {"artifacts": [str(p) for p in result.artifacts]}


# Its description, prompt and reviews are in builtin.yaml, the built-in team file.
TOOLS = [run_python]
