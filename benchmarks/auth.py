"""What authentication adds per request: the auth handlers in process, and langgraph dev over HTTP.

In process, each way of knowing the user (none configured, an API key, an HS256 or an RS256
JWT) is timed through the server's own authenticate handler, then the owner filter a thread
call adds. Over HTTP, three `langgraph dev` servers run side by side, one with no credentials
configured, one asked with an API key, one with a JWT, and the same requests (a thread search,
a thread create, a run create scheduled for later so nothing runs) go to each in turn.
`python -m benchmarks.auth` measures both and renders RESULTS.md again.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from langgraph_sdk import Auth
from pydantic import SecretStr

from graph.auth.credentials import Credentials
from graph.auth.ownership import make_auth
from state.api_keys import KeysFile
from state.auth_settings import AuthSettings

HANDLER_CALLS = 2000
SECRET = "benchmark-secret-" + "x" * 32
RESULTS = Path(__file__).with_name("results.json")


class _User:
    identity = "alice"


def _token(key: Any, algorithm: str) -> str:
    return jwt.encode({"sub": "alice", "exp": int(time.time()) + 3600}, key, algorithm)


async def _per_call_us(call: Callable[[], Awaitable[Any]], calls: int) -> float:
    """Return the median over five batches of a call's time, in microseconds."""
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(calls // 5):
            await call()
        batches.append((time.perf_counter() - started) / (calls // 5))
    return round(statistics.median(batches) * 1e6, 1)


def _asking(credentials: Credentials, headers: dict[bytes, bytes]) -> Callable[[], Awaitable[Any]]:
    """Return a call of the authenticate handler with one request's headers."""
    return lambda: credentials.user(headers)


async def handler_figures(calls: int = HANDLER_CALLS) -> dict[str, float]:
    """Return µs per request of each authentication kind and of the owner filter."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as tmp:
        key = (await asyncio.to_thread(KeysFile(Path(tmp) / "keys").add, "alice"))[0]
        ways = {
            "none configured (local user)": (AuthSettings(), {}),
            "API key (X-Api-Key)": (
                AuthSettings(auth_keys=Path(tmp) / "keys"),
                {b"x-api-key": key.encode()},
            ),
            "JWT HS256": (
                AuthSettings(jwt_secret=SecretStr(SECRET)),
                {b"authorization": f"Bearer {_token(SECRET, 'HS256')}".encode()},
            ),
            "JWT RS256 (public key)": (
                AuthSettings(jwt_public_key=public.decode()),
                {b"authorization": f"Bearer {_token(private, 'RS256')}".encode()},
            ),
        }
        figures: dict[str, float] = {}
        for name, (settings, headers) in ways.items():
            figures[name] = await _per_call_us(_asking(Credentials(settings), headers), calls)
        auth = make_auth(Credentials(AuthSettings()))
        ctx = Auth.types.AuthContext(
            user=_User(),  # type: ignore[arg-type]
            permissions=[],
            resource="threads",
            action="read",
        )
        [owner_filter] = auth._handlers[("threads", "*")]
        figures["owner filter (a thread call)"] = await _per_call_us(
            lambda: owner_filter(ctx=ctx, value={"thread_id": "t"}), calls
        )
    return figures


def _timed(http: httpx.Client, method: str, path: str, body: Any, headers: Any) -> float:
    started = time.perf_counter()
    http.request(method, path, json=body, headers=headers).raise_for_status()
    return time.perf_counter() - started


def http_figures(requests: int) -> dict[str, dict[str, float]]:
    """Return median ms of each request on langgraph dev with no auth, a key and a JWT."""
    # The tests' harness starts langgraph dev on the project's langgraph.json.
    from tests.integration_tests.studio import serve
    from tests.integration_tests.users import KEYS, auth_env, token_for

    asked = {"messages": [{"role": "user", "content": "How many orders?"}]}
    later = {"assistant_id": "orchestrator", "input": asked, "after_seconds": 3600}
    times: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as tmp, ExitStack() as stack:
        # One server per way, so each holds as many threads and queued runs as the others.
        ways: dict[str, tuple[httpx.Client, dict[str, str]]] = {}
        for name, headers in (
            ("no auth", {}),
            ("API key", {"X-Api-Key": KEYS["alice"]}),
            ("JWT HS256", {"Authorization": f"Bearer {token_for('alice')}"}),
        ):
            folder = Path(tmp) / name.replace(" ", "-")
            folder.mkdir()
            url = stack.enter_context(serve(folder, auth_env(folder) if headers else {})).url
            ways[name] = (stack.enter_context(httpx.Client(base_url=url, timeout=30)), headers)
        thread = {
            name: http.post("/threads", json={}, headers=h).json()["thread_id"]
            for name, (http, h) in ways.items()
        }
        order = list(ways.items())
        for round_ in range(requests + 10):
            # Interleaved, each first in turn, so all see the same moments of a busy machine.
            turn = round_ % len(order)
            for name, (http, headers) in order[turn:] + order[:turn]:
                for call, (method, path, body) in {
                    "thread search": ("POST", "/threads/search", {"limit": 10}),
                    "thread create": ("POST", "/threads", {}),
                    "run create (queued)": ("POST", f"/threads/{thread[name]}/runs", later),
                }.items():
                    took = _timed(http, method, path, body, headers)
                    if round_ >= 10:  # warm-up
                        times.setdefault(call, {}).setdefault(name, []).append(took)
    return {
        call: {name: round(statistics.median(by_way[name]) * 1000, 2) for name in ways}
        for call, by_way in times.items()
    }


async def auth_pass(requests: int) -> dict[str, Any]:
    """Return the in-process figures, and the HTTP ones unless `requests` is 0."""
    handlers = await handler_figures()
    served = await asyncio.to_thread(http_figures, requests) if requests else None
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "handler_us": handlers,
        "http_ms": served,
        "requests": requests,
    }


def section(figures: dict[str, Any] | None) -> list[str]:
    """Return the RESULTS.md section "What authentication adds per request"."""
    if not figures:
        return []
    lines = [
        "## What authentication adds per request",
        "",
        f"Measured {figures['date']} on {figures['cores']} cores. In process: the server's "
        "authenticate handler (graph/auth) per request, and the owner filter a thread call adds.",
        "",
        "| credential | µs per request |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {us} |" for name, us in figures["handler_us"].items()]
    served = figures.get("http_ms")
    if served:
        ways = list(next(iter(served.values())))
        lines += [
            "",
            f"Over HTTP, three `langgraph dev` servers side by side, one with no credentials "
            "configured and two with keys and a JWT secret, asked with a key and with a token; "
            f"each request sent {figures['requests']} times to each, interleaved (median ms). "
            "The first still runs the auth module (everyone is `local`, the owner filters "
            "apply), so a difference is what checking a credential adds; one under a "
            "millisecond is within this machine's run-to-run noise:",
            "",
            "| request | " + " | ".join(ways) + " |",
            "|---|" + "---:|" * len(ways),
        ]
        lines += [
            f"| {call} | " + " | ".join(str(by_way[w]) for w in ways) + " |"
            for call, by_way in served.items()
        ]
    return [*lines, ""]


def main() -> None:
    """Measure, record the figures in results.json, and render RESULTS.md again."""
    from benchmarks import publish

    figures = asyncio.run(auth_pass(requests=200))
    data = json.loads(RESULTS.read_text())
    data["auth"] = figures
    RESULTS.write_text(json.dumps(data, indent=1, default=str) + "\n")
    publish.main()
    print("\n".join(section(figures)))


if __name__ == "__main__":
    main()
