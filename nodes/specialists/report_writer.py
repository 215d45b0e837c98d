"""report_writer: writes the final report file; a side effect that needs approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.tools import tool

from nodes.specialists.spec import StepArg
from state.reports import Brief


def charts(brief: Brief) -> list[Path]:
    """Return the PNG charts that the brief's input reports produced."""
    files = [Path(a) for report in brief.inputs for a in report.artifacts]
    return [f for f in files if f.suffix == ".png" and f.is_file()]


@tool(response_format="content_and_artifact")
def write_report(title: str, body_markdown: str, step: StepArg) -> tuple[str, dict[str, Any]]:
    """Write the markdown report file (with the charts of earlier steps)."""
    from tools.reports import write_report as write_report_file

    # Once per approved call: after a crash the call finds its file instead of a second one.
    effects, key = step.workspace.effects, step.effect_key
    path, written = effects.claim(key, step.workspace.run_dir(step.brief), report_name)
    if not written:
        write_report_file(title, body_markdown, path=path, charts=charts(step.brief))
        effects.finish(key, path)
    return f"Report written to {path}", {"artifacts": [str(path)]}


def report_name(n: int) -> str:
    """Return the n-th report file name of a run: report.md, report-2.md, ..."""
    return "report.md" if n == 1 else f"report-{n}.md"


# Its description, prompt and reviews are in builtin.yaml, the built-in team file.
TOOLS = [write_report]
