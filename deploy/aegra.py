"""Serve Orchestra on Aegra: set the database up once, then start N instances one by one.

Run by the Python 3.12 venv (`make serve INSTANCES=N`). Aegra reads its own variables:
DATABASE_URL (Postgres) and REDIS_URL (Redis); lease settings (LEASE_DURATION_SECONDS,
HEARTBEAT_INTERVAL_SECONDS, REAPER_INTERVAL_SECONDS) pass through, or come from --lease.
Aegra loads the auth module langgraph.json names; its users' keys and token settings
(ORCHESTRA_AUTH_KEYS, ORCHESTRA_JWT_*) pass through too (docs/users.md).
This module imports only the standard library and psycopg at load, so the 3.11 test
harness reuses its functions to start instances from the 3.12 venv.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "langgraph.json"
SERVE_PYTHON = REPO / ".venv-serve" / "bin" / "python"
FIRST_PORT = 2026
STARTUP_S = 90
# An instance that dies this often within the window is left down (a crash loop, not a fault).
RESTARTS = 3
RESTART_WINDOW_S = 60


class LaunchError(Exception):
    """A precondition of serving failed: printed as one line, exit 2."""


def required(env: Mapping[str, str]) -> tuple[str, str]:
    """Return (DATABASE_URL, REDIS_URL) from `env`, or raise LaunchError naming the missing."""
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not env.get(name)]
    if missing:
        raise LaunchError(f"set {' and '.join(missing)} (Postgres and Redis shared by instances)")
    return env["DATABASE_URL"], env["REDIS_URL"]


def check_postgres(url: str) -> None:
    """Raise LaunchError unless Postgres at `url` accepts a connection."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LaunchError(f"Postgres at DATABASE_URL is unreachable: {first}") from None


def check_redis(url: str) -> None:
    """Raise LaunchError unless Redis at `url` answers PING."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 3) as s:
            s.sendall(b"PING\r\n")
            reply = s.recv(64)
    except OSError as exc:
        raise LaunchError(f"Redis at REDIS_URL is unreachable: {exc}") from None
    # An auth-protected Redis answers -NOAUTH: reachable; Aegra authenticates from the URL.
    if not reply.startswith((b"+PONG", b"-NOAUTH")):
        raise LaunchError(f"REDIS_URL does not answer as Redis: {reply[:40]!r}")


def lease_env(lease: int) -> dict[str, str]:
    """Return Aegra's lease settings for a lease of `lease` seconds (heartbeat a third)."""
    beat = max(1, lease // 3)
    # Aegra refuses a lease not above two heartbeats: a worker must survive two missed beats.
    return {
        "LEASE_DURATION_SECONDS": str(max(lease, 2 * beat + 1)),
        "HEARTBEAT_INTERVAL_SECONDS": str(beat),
        "REAPER_INTERVAL_SECONDS": str(beat),
    }


def aegra_env(base: Mapping[str, str], port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """Return one instance's environment: `base` plus the settings every instance shares."""
    database, redis = required(base)
    return {
        **base,
        "AEGRA_CONFIG": base.get("AEGRA_CONFIG", str(CONFIG)),
        "REDIS_BROKER_ENABLED": "true",
        # Migrations and LangGraph's tables are set up once, before any instance starts.
        "RUN_MIGRATIONS_ON_STARTUP": "false",
        # Orchestra's per-thread locks and effect records live beside Aegra's tables.
        "ORCHESTRA_CHECKPOINTER": base.get("ORCHESTRA_CHECKPOINTER", database),
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "HOST": host,
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }


def set_up(env: Mapping[str, str], python: Path = SERVE_PYTHON) -> None:
    """Run Aegra's migrations and LangGraph's table set-up once, in a child of `python`."""
    done = subprocess.run(
        [str(python), str(Path(__file__).resolve()), "set-up"],
        env=aegra_env(env, FIRST_PORT),
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise LaunchError(f"database set-up failed: {tail}")


def _set_up_here() -> None:
    """Apply Aegra's migrations and create the checkpoint and store tables (in .venv-serve)."""
    import asyncio

    from aegra_api.core.database import db_manager
    from aegra_api.core.migrations import run_migrations

    async def tables() -> None:
        await db_manager.initialize()  # AsyncPostgresSaver.setup() and the store's
        await db_manager.close()

    run_migrations()
    asyncio.run(tables())


def start(
    env: Mapping[str, str], port: int, log: Path, python: Path = SERVE_PYTHON
) -> subprocess.Popen[bytes]:
    """Start one Aegra instance on `port`, its output in `log`, in its own process group."""
    command = [str(python), "-m", "uvicorn", "aegra_api.main:app"]
    command += ["--host", env.get("HOST", "127.0.0.1"), "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            env=aegra_env(env, port, env.get("HOST", "127.0.0.1")),
            cwd=env.get("AEGRA_CWD", str(REPO)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(
    url: str,
    proc: subprocess.Popen[bytes],
    timeout: float = STARTUP_S,
    path: str = "/health",
    what: str = "the Aegra instance",
) -> None:
    """Return once `url` + `path` answers 200; raise LaunchError if the process dies or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LaunchError(f"{what} at {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling a server that is starting up
    raise LaunchError(f"{what} at {url} did not answer {path} in {timeout:.0f}s")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, wait: float = 35) -> None:
    """Stop an instance's process group with `sig`, then SIGKILL if it outlives `wait`."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        proc.wait(timeout=10)


def exited(code: int) -> str:
    """Say how a process ended, from its return code (negative: the signal that ended it)."""
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


def revived(
    env: Mapping[str, str], port: int, dead: subprocess.Popen[bytes], folder: Path, at: list[float]
) -> subprocess.Popen[bytes] | None:
    """Start a dead instance again, saying so; None once it died RESTARTS times lately."""
    now = time.monotonic()
    at[:] = [t for t in at if now - t < RESTART_WINDOW_S]
    log, how = folder / f"aegra-{port}.log", exited(dead.returncode)
    if len(at) >= RESTARTS:
        said = f"{RESTARTS} restarts in {RESTART_WINDOW_S} s; serving on without it (see {log})"
        print(f"Aegra instance :{port} {how}, {said}", file=sys.stderr)
        return None
    at.append(now)
    again = start(env, port, log, Path(sys.executable))
    print(f"Aegra instance :{port} {how}; started again (pid {again.pid})", file=sys.stderr)
    return again


def serve(env: Mapping[str, str], instances: int, first_port: int, folder: Path) -> int:
    """Set up once, start `instances` one after another, keep them up, stop them on a signal.

    An instance that dies is started again (its runs are taken over by the others when its
    lease expires); one that dies RESTARTS times within RESTART_WINDOW_S is left down.
    """
    database, redis = required(env)
    check_postgres(database)
    check_redis(redis)
    set_up(env, Path(sys.executable))
    folder.mkdir(parents=True, exist_ok=True)
    host = env.get("HOST", "127.0.0.1")
    procs: dict[int, subprocess.Popen[bytes]] = {}
    restarts: dict[int, list[float]] = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for number, port in enumerate(range(first_port, first_port + instances), 1):
            procs[port] = start(env, port, folder / f"aegra-{port}.log", Path(sys.executable))
            wait_healthy(f"http://{host}:{port}", procs[port])
            url, pid = f"http://{host}:{port}", procs[port].pid
            print(f"Aegra instance {number}/{instances}: {url} (pid {pid})", flush=True)
        while procs:
            time.sleep(1)  # a supervisor's idle loop
            for port in [p for p, proc in procs.items() if proc.poll() is not None]:
                again = revived(env, port, procs.pop(port), folder, restarts.setdefault(port, []))
                if again is not None:
                    procs[port] = again
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in procs.values():
            stop(proc)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve, or set the database up (the `set-up` child)."""
    parser = argparse.ArgumentParser(prog="deploy/aegra.py", description=__doc__)
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "set-up"])
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--port", type=int, default=FIRST_PORT, help="the first instance's")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--lease", type=int, help="seconds before another instance takes over")
    parser.add_argument("--logs", type=Path, default=REPO / ".orchestra" / "aegra")
    args = parser.parse_args(argv)
    if args.command == "set-up":
        _set_up_here()
        return 0
    env = {**os.environ, "HOST": args.host, **(lease_env(args.lease) if args.lease else {})}
    try:
        return serve(env, max(1, args.instances), args.port, args.logs)
    except LaunchError as exc:
        print(f"make serve: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
