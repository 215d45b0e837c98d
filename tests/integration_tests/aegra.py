"""Orchestra on Aegra, several instances over one Postgres and one Redis, started by the tests.

The instances run from .venv-serve (Python 3.12) with deploy/aegra.py's functions: the scratch
database is set up once, then the instances start one after another (together they race in
LangGraph's table set-up). Each test session starts its own redis-server on a free port.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from langchain_core.messages import BaseMessage

from deploy import aegra
from graph.testing import plan, step
from tests.conftest import copy_sample
from tests.integration_tests.conftest import POSTGRES_URL, model_env, postgres_available
from tests.integration_tests.studio import SCRIPT, orchestrate
from tests.servers.openai_server import ScriptedOpenAIServer

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Short leases: a killed instance's run goes back to the queue in about 3 s, not 30 s.
TEST_LEASE_S = 3
# A question whose plan is one step, no approval: four model calls a run.
COUNT_ONLY = "Count only: how many orders are there?"


def count_only(messages: list[BaseMessage]) -> dict[str, Any]:
    """Play the orchestrator: a count alone for a "Count only" question, else as in studio."""
    question = messages[-1].text.split("Current request:\n", 1)[-1]
    if "Count only" in question and "finalizer" not in messages[0].text:
        return plan(step("count", "sql_analyst", "Count the orders in the database."))
    return orchestrate(messages)


COUNT_SCRIPT: dict[str, Any] = {**SCRIPT, "orchestrator": count_only}


def require_aegra() -> None:
    """Skip without .venv-serve, redis-server or Postgres; in CI (CI set) fail instead."""
    missing = []
    if not aegra.SERVE_PYTHON.exists():
        missing.append(f"{aegra.SERVE_PYTHON} (make .venv-serve, Python 3.12)")
    if not Path(REDIS_SERVER).exists():
        missing.append("redis-server")
    if not postgres_available():
        missing.append(f"Postgres at {POSTGRES_URL}")
    if not missing:
        return
    message = "Aegra tests need " + ", ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Run a redis-server of our own on a free loopback port, no persistence; yield its URL."""
    port = free_port()
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                aegra.check_redis(url)
                break
            except aegra.LaunchError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)  # polling a server that is starting up
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def scratch_database() -> Iterator[str]:
    """Create an empty Postgres database for the session's instances; drop it after."""
    name = f"orchestra_aegra_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Instance:
    """One Aegra instance: its port, process and log."""

    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the instance's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        """Return True while the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def picked_up(self) -> set[str]:
        """Return the ids of the runs this instance's workers picked up (from its log)."""
        text = ANSI.sub("", self.log.read_text(errors="replace")) if self.log.exists() else ""
        lines = (line for line in text.splitlines() if "Worker picked up run" in line)
        return {m.group(1) for line in lines if (m := re.search(r"run_id=(\S+)", line))}


@dataclass
class Cluster:
    """Aegra instances sharing a database, a Redis and ORCHESTRA_HOME; the scripted model."""

    env: dict[str, str]
    home: Path
    model: ScriptedOpenAIServer
    instances: list[Instance] = field(default_factory=list)

    def start(self, instance: Instance) -> None:
        """Start `instance` and wait until it is healthy."""
        instance.proc = aegra.start(self.env, instance.port, instance.log)
        try:
            aegra.wait_healthy(instance.url, instance.proc)
        except aegra.LaunchError as exc:
            pytest.fail(f"{exc}:\n{ANSI.sub('', instance.log.read_text())[-3000:]}")

    def runner(self, run_id: str) -> Instance:
        """Return the one instance whose worker picked up `run_id`."""
        found = [i for i in self.instances if run_id in i.picked_up()]
        assert len(found) == 1, f"run {run_id} picked up by {len(found)} instances"
        return found[0]

    def kill(self, instance: Instance, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the instance's process group (SIGKILL: no drain, no lease release)."""
        assert instance.proc is not None
        if sig == signal.SIGKILL:
            os.killpg(instance.proc.pid, signal.SIGKILL)
            instance.proc.wait(timeout=10)
        else:
            aegra.stop(instance.proc, sig)

    def revive(self) -> None:
        """Start again, one after another, the instances a test stopped."""
        for instance in self.instances:
            if not instance.alive:
                self.start(instance)

    def stop_all(self) -> None:
        """Stop every instance (SIGTERM, then SIGKILL); never leaves a process behind."""
        for instance in self.instances:
            if instance.proc is not None:
                aegra.stop(instance.proc, wait=15)


@dataclass
class Backing:
    """What instances share: a scratch database, a Redis, ORCHESTRA_HOME and the scripted model."""

    env: dict[str, str]
    home: Path
    model: ScriptedOpenAIServer
    redis: str


@contextmanager
def backing(
    folder: Path,
    sample: Path,
    script: dict[str, Any],
    latency: float = 0.0,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Backing]:
    """Run the stores and the scripted model instances share; yield their environment.

    The scripted model plays `script`, each call taking `latency` seconds; `extra_env` adds to
    the instances' environment (the users' keys, say). ORCHESTRA_HOME is
    `folder`/.orchestra (the sample in it), as is ORCHESTRA_CHECKPOINTER: the scratch
    database, so runs share the per-thread locks. The database is not set up here.
    """
    require_aegra()
    home = folder / ".orchestra"
    copy_sample(sample, home)
    with ExitStack() as stack:
        database = stack.enter_context(scratch_database())
        redis = stack.enter_context(redis_server(folder))
        model = ScriptedOpenAIServer(
            script, log_path=folder / "model_requests.jsonl", latency=latency
        )
        model.start()
        stack.callback(model.shutdown)
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ORCHESTRA_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_"))
        }
        env = {
            **inherited,
            **model_env(model),
            "DATABASE_URL": database,
            "REDIS_URL": redis,
            "ORCHESTRA_HOME": str(home),
            "ORCHESTRA_CHECKPOINTER": database,
            "LANGSMITH_TRACING": "false",
            "AEGRA_CWD": str(folder),
            # Fewer pooled connections: several instances share one test Postgres.
            "SQLALCHEMY_POOL_SIZE": "4",
            "LANGGRAPH_MIN_POOL_SIZE": "2",
            "CRON_ENABLED": "false",
            **(extra_env or {}),
        }
        yield Backing(env, home, model, redis)


@contextmanager
def instances_on(stores: Backing, instances: int = 2, lease: int = 0) -> Iterator[Cluster]:
    """Set the stores' database up, then run `instances` Aegra instances (lease `lease` s)."""
    env = {**stores.env, **(aegra.lease_env(lease) if lease else {})}
    try:
        aegra.set_up(env)
    except aegra.LaunchError as exc:
        pytest.fail(str(exc))
    running = Cluster(env, stores.home, stores.model)
    try:
        for _ in range(instances):
            port = free_port()
            log = Path(env["AEGRA_CWD"]) / f"aegra-{port}.log"
            running.instances.append(Instance(port, log))
            running.start(running.instances[-1])
        yield running
    finally:
        running.stop_all()


@contextmanager
def cluster(
    folder: Path,
    sample: Path,
    script: dict[str, Any],
    instances: int = 2,
    lease: int = 0,
    latency: float = 0.0,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """Run `instances` Aegra instances (lease `lease` s, 0: Aegra's default) over scratch stores.

    The stores and the model are `backing`'s; the database is set up once, then the
    instances start one after another.
    """
    with backing(folder, sample, script, latency, extra_env) as stores:
        with instances_on(stores, instances, lease) as running:
            yield running


@dataclass
class Supervised:
    """`make serve`'s supervisor (deploy/aegra.py serve) and the instances it started."""

    proc: subprocess.Popen[str]
    instances: list[Instance]
    pids: list[int]

    def stderr(self) -> str:
        """Return what the supervisor said on stderr (once it has stopped)."""
        return self.proc.stderr.read() if self.proc.stderr else ""


def consecutive_ports(count: int) -> int:
    """Return the first of `count` consecutive loopback ports that were free a moment ago."""
    while True:
        first = free_port()
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue


@contextmanager
def supervised(
    stores: Backing, folder: Path, instances: int = 2, lease: int = 0
) -> Iterator[Supervised]:
    """Run `make serve`'s supervisor (`LEASE=lease`; 0: Aegra's default) over the stores.

    It sets the stores' database up itself, as `make serve` does; its queue is db 1 of the
    stores' Redis, apart from instances started by `instances_on`.
    """
    env = {**stores.env, "REDIS_URL": stores.redis.rsplit("/", 1)[0] + "/1"}
    first = consecutive_ports(instances)
    command = [str(aegra.SERVE_PYTHON), str(aegra.REPO / "deploy" / "aegra.py"), "serve"]
    command += ["--instances", str(instances), "--port", str(first), "--logs", str(folder)]
    command += ["--lease", str(lease)] if lease else []
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        pids = []
        for _ in range(instances):
            line = proc.stdout.readline() if proc.stdout else ""
            started = re.search(r"\(pid (\d+)\)", line)
            if started is None:
                proc.kill()
                pytest.fail(f"make serve did not start: {line}{proc.communicate()[1]}")
            pids.append(int(started.group(1)))
        ports = range(first, first + instances)
        yield Supervised(proc, [Instance(p, folder / f"aegra-{p}.log") for p in ports], pids)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # it stops its instances, then exits
            proc.wait(timeout=120)
