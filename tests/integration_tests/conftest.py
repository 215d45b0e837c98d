"""Integration fixtures: the orchestra command as a subprocess, loopback servers, Postgres."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import copy_sample
from tests.integration_tests.studio import Studio, catalog_team, serve
from tests.integration_tests.users import auth_env
from tests.servers.langsmith_server import LangSmithCaptureServer

POSTGRES_URL = os.environ.get(
    "ORCHESTRA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
ORCHESTRA = Path(sys.executable).parent / "orchestra"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class CliResult:
    """A finished `orchestra` process."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        """Return the --json object printed on stdout."""
        return json.loads(self.stdout.strip().splitlines()[-1])


@dataclass
class Cli:
    """Runs `orchestra` in a subprocess with a test environment."""

    env: dict[str, str]

    def command(self, *args: str) -> list[str]:
        """Return the argv for an orchestra command."""
        if ORCHESTRA.exists():
            return [str(ORCHESTRA), *args]
        return [sys.executable, "-m", "graph.cli", *args]

    def __call__(self, *args: str, timeout: float = 120, **env: str) -> CliResult:
        """Run one command to completion."""
        proc = subprocess.run(
            self.command(*args),
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Start a command without waiting for it."""
        return subprocess.Popen(
            self.command(*args),
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )


@pytest.fixture
def cli(isolated_env: Path) -> Cli:
    """Return a runner for `orchestra` with an isolated home and no real endpoints."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORCHESTRA_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_"))
    }
    env.update(
        ORCHESTRA_HOME=str(isolated_env),
        LANGSMITH_TRACING="false",
        PYTHONUNBUFFERED="1",
        COLUMNS="200",
        # Every command runs under the server's blocking-call detector (a sitecustomize), on
        # the code of the checkout these tests are in.
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parent / "blocking"), str(REPO)]),
    )
    return Cli(env)


@dataclass
class InProcessCli:
    """Runs `orchestra`'s entry point in this process: error paths without a start-up each."""

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *args: str, **env: str) -> CliResult:
        """Run one command to completion, with `env` set for it alone."""
        from graph.cli.main import main
        from graph.testing.blocking import blocking_detector

        self.capsys.readouterr()
        with self.monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO())  # not a terminal, as in CI
            detector = blocking_detector()
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's own usage errors
                code = exc.code if isinstance(exc.code, int) else 2
            finally:
                detector.deactivate()
        out, err = self.capsys.readouterr()
        return CliResult(code, out, err)


@pytest.fixture
def cli_here(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> InProcessCli:
    """Return an in-process runner for `orchestra` (a subprocess test covers each exit code)."""
    monkeypatch.setenv("COLUMNS", "200")
    return InProcessCli(monkeypatch, capsys)


def model_env(server: Any, api_key: str = "sk-test-not-a-real-key-000000") -> dict[str, str]:
    """Return the environment that points `orchestra` at a scripted OpenAI server."""
    return {
        "ORCHESTRA_MODEL": "openai:scripted-model",
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": api_key,
    }


def wait_for(predicate: Callable[[], bool], timeout: float = 60, every: float = 0.05) -> None:
    """Poll for an event the run produces (a file, a server request, a saved task)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(every)


def postgres_available() -> bool:
    """Return True when the test Postgres answers."""
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Return a fresh Postgres database URL (a schema-free scratch database)."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"Postgres is required in CI and is not reachable at {POSTGRES_URL}")
        pytest.skip(f"no Postgres at {POSTGRES_URL}")
    name = f"orchestra_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory, session_sample: Path) -> Iterator[Studio]:
    """The session's one `langgraph dev`: the catalog team, traced, the scripted model behind,
    its users' keys and JWT secret configured.

    Its tests are one xdist group (pytest_collection_modifyitems), so one worker starts it.
    """
    folder = tmp_path_factory.mktemp("studio")
    one_server_per_session(tmp_path_factory)
    team = catalog_team(folder / "team")
    # The default home is .orchestra in the server's folder; the session's sample is in it.
    copy_sample(session_sample, folder / ".orchestra")
    # It asks for the users' keys or tokens (tests/integration_tests/users.py).
    env = {"ORCHESTRA_TEAM": str(team), **auth_env(folder)}
    with LangSmithCaptureServer() as smith, serve(folder, env, smith) as running:
        yield running


def one_server_per_session(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fail when a second xdist worker starts the session's server: its group was split."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return
    # Every worker's base folder sits in one folder of the session's.
    marks = tmp_path_factory.getbasetemp().parent
    (marks / f"studio-{worker}").touch()
    others = sorted(p.name for p in marks.glob("studio-*") if p.name != f"studio-{worker}")
    if others:
        pytest.fail(
            f"langgraph dev started on {worker} and on {', '.join(others)}: the xdist group "
            "'server' was not applied (check the pytest and pytest-xdist versions)"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a test of the session's server outside the module-level xdist group 'server'."""
    # A group added here comes too late: xdist has already read the marks (the server's
    # tests were split over both workers whenever a subset ran).
    for item in items:
        if "studio" not in getattr(item, "fixturenames", ()):
            continue
        group = item.get_closest_marker("xdist_group")
        if group is None or group.args[:1] != ("server",):
            raise pytest.UsageError(
                f"{item.nodeid} uses the session's langgraph dev: mark its module with "
                'pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]'
            )
