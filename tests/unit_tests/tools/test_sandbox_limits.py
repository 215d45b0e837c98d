"""README's per-result cap on SQL and the sandbox's open-file and process limits, at the tool."""

from __future__ import annotations

import csv
import errno
import os
from pathlib import Path

import pytest

from nodes.specialists.spec import Step
from nodes.specialists.sql_analyst import run_sql
from state.reports import Brief
from state.settings import Settings
from tools.sandbox import SandboxLimits, _user_processes, run_python
from tools.workspace import Workspace

# 100 rows (the row cap) of six 9,000-character cells: each cell under the 10,000 cap,
# 5.4 M characters in all.
WIDE_ROWS = (
    "WITH RECURSIVE n(i, w) AS (SELECT 1, printf('%.*c', 9000, 'x') "
    "UNION ALL SELECT i + 1, w FROM n WHERE i < 100) "
    "SELECT i, w AS a, w AS b, w AS c, w AS d, w AS e, w AS f FROM n"
)


def test_a_sql_result_stops_at_5m_characters_and_the_model_is_told(isolated_env: Path) -> None:
    workspace = Workspace(Settings(home=isolated_env))
    brief = Brief(objective="Read it all", thread_id="cap", step_key="1.wide", step_id="wide")
    call = {
        "name": "run_sql",
        "args": {"query": WIDE_ROWS, "step": Step(workspace, brief, "call_1")},
        "id": "call_1",
        "type": "tool_call",
    }
    message = run_sql.invoke(call)
    assert "(rows stopped at 5,000,000 characters of data)" in message.text
    [saved] = message.artifact["artifacts"]
    with open(saved, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    kept = sum(len(cell) for row in rows for cell in row)
    assert len(rows) < 100 and 4_940_000 < kept <= 5_000_000


OPEN_FILES = """
opened = []
try:
    for _ in range(500):
        opened.append(open("main.py"))
except OSError as exc:
    print(len(opened), exc.errno)
else:
    print(len(opened), 0)
"""


def test_the_sandbox_stops_opening_files_at_its_limit(tmp_path: Path) -> None:
    result = run_python(OPEN_FILES, artifacts_dir=tmp_path, limits=SandboxLimits(open_files=32))
    opened, code = (int(n) for n in result.stdout.split())
    assert code == errno.EMFILE and 0 < opened < 32


LIMITS = """
for line in open("/proc/self/limits"):
    if line.startswith(("Max processes", "Max open files")):
        print(*line.split()[-3:-1])
"""


def test_the_sandboxed_code_runs_under_a_process_limit(tmp_path: Path) -> None:
    # The limit counts every process of the user: the allowance is on top of what runs now.
    before = _user_processes()
    result = run_python(LIMITS, artifacts_dir=tmp_path, limits=SandboxLimits(processes=5))
    after = _user_processes()
    processes, files = result.stdout.splitlines()
    soft, hard = (int(n) for n in processes.split())
    assert soft == hard and min(before, after) < soft <= max(before, after) + 5 + 100
    assert files.split() == ["256", "256"]


FORKS = """
import _posixsubprocess, os
# the one spawn the audit hook does not see: only the process limit can stop it
started = 0
try:
    for _ in range(100):
        r, w = os.pipe()
        _posixsubprocess.fork_exec(
            [b"/bin/sleep", b"30"], [b"/bin/sleep"], True, (w,), None, None,
            -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, None, -1, None, False,
        )
        started += 1
except OSError as exc:
    print(started, exc.errno)
"""


@pytest.mark.skipif(
    os.geteuid() == 0, reason="the kernel does not apply a process limit to root (README)"
)
def test_the_process_limit_stops_a_fork_loop(tmp_path: Path) -> None:
    result = run_python(FORKS, artifacts_dir=tmp_path, limits=SandboxLimits(processes=8))
    started, code = (int(n) for n in result.stdout.split())
    assert code == errno.EAGAIN and started < 20
