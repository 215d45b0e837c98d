"""`orchestra demo`, the README's first command: the whole team offline, facts from the data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from graph.cli.demo_script import BEFORE_AFTER_SQL
from tests.integration_tests.conftest import Cli


def test_demo_answers_with_the_sample_databases_numbers(cli: Cli, isolated_env: Path) -> None:
    result = cli("demo", "--json", timeout=300)
    assert result.code == 0, result.stderr
    out = result.json()
    assert out["status"] == "done"
    assert {s["status"] for s in out["steps"]} == {"done"}
    [database] = isolated_env.rglob("business.db")
    rates = {(r, p): v for r, p, v in sqlite3.connect(database).execute(BEFORE_AFTER_SQL)}
    north = f"{rates[('North', 'before')]}% before, {rates[('North', 'from 2025-04-01')]}% after"
    assert north in out["answer"]
    # a synthesis pointing at the steps and files, not the reports pasted after it
    assert "(step rates)" in out["answer"] and "## Step" not in out["answer"]
    [report] = (isolated_env / "runs").glob("*/report.md")
    assert f"{rates[('North', 'before')]}" in report.read_text()
