"""`make serve`'s exit 2: a missing URL, Postgres or Redis down, or not Redis at REDIS_URL.

Each says so in one line and starts nothing. The checks run in deploy/aegra.py (in process
here: it imports only the standard library and psycopg) and, for a missing URL, in the
Makefile itself, before any virtual environment is built.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from deploy import aegra
from tests.integration_tests.aegra import free_port
from tests.integration_tests.conftest import POSTGRES_URL, postgres_available

REPO = Path(__file__).resolve().parents[2]


def make_serve(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `make serve` in the checkout, with `env` for the URLs (none inherited)."""
    # The make running these tests passes its jobserver on: a make of our own needs none.
    drop = ("DATABASE_URL", "REDIS_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        ["make", "--no-print-directory", *args, "serve"],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_serve_without_a_url_exits_2_before_building_anything() -> None:
    for env in ({}, {"DATABASE_URL": POSTGRES_URL}, {"REDIS_URL": "redis://127.0.0.1:1/0"}):
        done = make_serve(**env)
        assert done.returncode == 2, done.stderr
        assert "make serve needs DATABASE_URL (Postgres) and REDIS_URL (Redis)" in done.stderr
        assert done.stdout == ""


def closed_url(scheme: str) -> str:
    """Return a loopback URL of a port nothing listens on."""
    return f"{scheme}://127.0.0.1:{free_port()}/0"


@pytest.mark.postgres
def test_serve_exits_2_in_one_line_when_postgres_or_redis_is_down_or_not_redis(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not postgres_available():
        pytest.skip(f"needs Postgres at {POSTGRES_URL}")
    cases = [
        (closed_url("postgresql"), closed_url("redis"), "Postgres at DATABASE_URL is unreachable"),
        (POSTGRES_URL, closed_url("redis"), "Redis at REDIS_URL is unreachable"),
        # Postgres's port does not answer PING as Redis does.
        (POSTGRES_URL, "redis://127.0.0.1:5432/0", "REDIS_URL does not answer as Redis"),
    ]
    for database, redis, said in cases:
        monkeypatch.setenv("DATABASE_URL", database)
        monkeypatch.setenv("REDIS_URL", redis)
        assert aegra.main(["serve", "--instances", "2"]) == 2
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith(f"make serve: {said}"), line


@pytest.mark.postgres
def test_make_serve_passes_the_exit_2_on() -> None:
    if not aegra.SERVE_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"make serve needs {aegra.SERVE_PYTHON}")
        pytest.skip(f"needs {aegra.SERVE_PYTHON} (Python 3.12)")
    # -o: the venv as it is, however old pyproject.toml says it is.
    done = make_serve("-o", ".venv-serve/.installed", DATABASE_URL=closed_url("postgresql"),
                      REDIS_URL=closed_url("redis"))  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0].startswith(
        "make serve: Postgres at DATABASE_URL is unreachable"
    )
