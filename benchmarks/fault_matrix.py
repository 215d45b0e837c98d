"""The fault-injection matrix in RESULTS.md: what tests/integration_tests/test_fault_matrix.py saw.

`make fault-matrix` runs that test with FAULT_MATRIX_LOG pointing at fault_matrix.jsonl, then
`python -m benchmarks.publish` renders RESULTS.md again from results.json and that log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
LOG = HERE / "fault_matrix.jsonl"


def rows(path: Path = LOG) -> list[dict[str, Any]]:
    """Return the recorded cases, or none when the matrix has not been run."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def section(path: Path = LOG) -> list[str]:
    """Render the matrix as markdown lines (empty when there is no log)."""
    cases = rows(path)
    if not cases:
        return []
    lines = [
        "## Fault-injection matrix (the real command, scripted OpenAI server)",
        "",
        'Each case asks "count the orders, write a report" with `--yes`; killed runs are '
        "resumed with `orchestra resume`. Per-call limits: model 2 s, tool 2 s.",
        "",
        "| fault | store | completed calls repeated | report files | final ledger | resumes "
        "| faulted requests | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in cases:
        ledger = ", ".join(f"{k} {v}" for k, v in c["ledger"].items())
        lines.append(
            f"| {c['fault']} | {c['backend']} | {c['repeated_calls']} | {c['report_files']} | "
            f"{ledger} | {c['resumes']} | {c['faulted_requests']} | {c['seconds']} |"
        )
    clean = all(c["repeated_calls"] == 0 and c["report_files"] == 1 for c in cases)
    verdict = "PASS" if clean else "FAIL"
    lines += [
        "",
        f"{verdict}: zero repeated completed calls and one side effect per approval "
        f"in all {len(cases)} cases.",
        "",
    ]
    return lines
