"""Users of the served tests: alice and bob with API keys, carol with a JWT, and what bob can't do.

The session's `langgraph dev` and the Aegra pair serve with these keys and this JWT secret;
`refused_to_another` is bob walking every call on a thread of alice's, under either server.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx
import jwt
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.errors import APIStatusError

from graph.auth.credentials import UNAUTHORIZED
from state.api_keys import KEY_PREFIX, KeyRecord, digest

# Made afresh by each test process, as `orchestra keys add` makes them.
KEYS = {user: KEY_PREFIX + secrets.token_urlsafe(32) for user in ("alice", "bob")}
JWT_SECRET = secrets.token_urlsafe(48)
APPROVE = {"decisions": [{"type": "approve"}]}
NOT_FOUND = httpx.HTTPStatusError(
    "not found", request=httpx.Request("GET", "/"), response=httpx.Response(404)
)
# agent-chat-ui's thread list: its assistant id (a graph id) as metadata, 100 threads.
CHAT_UI_SEARCH = {"metadata": {"graph_id": "orchestrator"}, "limit": 100}


def auth_env(folder: Path) -> dict[str, str]:
    """Write the users' keys file into `folder`; return the server's auth environment."""
    path = folder / "auth_keys"
    path.write_text("".join(KeyRecord(user, digest(key)).line() for user, key in KEYS.items()))
    return {"ORCHESTRA_AUTH_KEYS": str(path), "ORCHESTRA_JWT_SECRET": JWT_SECRET}


def token_for(user: str, seconds: int = 600, secret: str = JWT_SECRET) -> str:
    """Return a JWT naming `user`, expiring in `seconds` (negative: already expired)."""
    return jwt.encode({"sub": user, "exp": int(time.time()) + seconds}, secret, "HS256")


def credential(user: str) -> dict[str, Any]:
    """Return how a client presents `user`: their key (sent as X-Api-Key) or a JWT (Bearer)."""
    if user in KEYS:
        return {"api_key": KEYS[user]}
    return {"api_key": None, "headers": {"Authorization": f"Bearer {token_for(user)}"}}


def client(url: str, user: str = "alice") -> Any:
    """Return a langgraph_sdk client presenting `user`'s credential."""
    return get_client(url=url, **credential(user))


def sync_client(url: str, user: str = "alice") -> Any:
    """Return a synchronous langgraph_sdk client presenting `user`'s credential."""
    return get_sync_client(url=url, **credential(user))


async def chat_ui_threads(url: str, user: str) -> set[str]:
    """Return the threads agent-chat-ui lists for `user`'s key: its own request, as it sends it."""
    found = await client(url, user).threads.search(**CHAT_UI_SEARCH)
    return {t["thread_id"] for t in found}


async def status(call: Awaitable[Any]) -> int:
    """Return the HTTP status a call ended with (200 when it succeeded)."""
    try:
        await call
    except APIStatusError as exc:
        return exc.status_code
    except httpx.HTTPStatusError as exc:  # a stream refused before its first event
        return exc.response.status_code
    return 200


async def nothing_listed(listing: Awaitable[list[Any]]) -> None:
    """Raise NOT_FOUND when a listing holds nothing (Aegra lists a thread not one's own empty)."""
    if not await listing:
        raise NOT_FOUND


async def streamed(events: Any) -> None:
    """Drain a stream; raise NOT_FOUND when its one event is the server's 404 error.

    (`langgraph dev` answers a joined stream it will not show with 200 and that event.)
    """
    parts = [part async for part in events]
    if [p.event for p in parts] == ["error"] and "404" in str(parts[0].data):
        raise NOT_FOUND


async def refused_to_another(url: str, thread_id: str, run_id: str) -> dict[str, int]:
    """Return the status of each call bob makes on alice's waiting thread (all must be 404)."""
    bob = client(url, "bob")
    edit = {"messages": [{"role": "user", "content": "Forged."}]}
    calls: dict[str, Awaitable[Any]] = {
        "get": bob.threads.get(thread_id),
        "state": bob.threads.get_state(thread_id),
        "history": bob.threads.get_history(thread_id),
        "update metadata": bob.threads.update(thread_id, metadata={"owner": "bob"}),
        "update state": bob.threads.update_state(thread_id, edit),
        "copy": bob.threads.copy(thread_id),
        "runs": nothing_listed(bob.runs.list(thread_id)),
        "run": bob.runs.get(thread_id, run_id),
        "join": bob.runs.join(thread_id, run_id),
        "join stream": streamed(bob.runs.join_stream(thread_id, run_id)),
        "approve": bob.runs.create(thread_id, "orchestrator", command={"resume": APPROVE}),
        "wait": bob.runs.wait(thread_id, "orchestrator", command={"resume": APPROVE}),
        "stream": streamed(bob.runs.stream(thread_id, "orchestrator", command={"resume": APPROVE})),
        "cancel": bob.runs.cancel(thread_id, run_id),
        "delete": bob.threads.delete(thread_id),
    }
    return {name: await status(call) for name, call in calls.items()}


async def store_seen_by_bob(url: str, namespace: tuple[str, ...], key: str) -> dict[str, Any]:
    """Return what bob gets of alice's Store item at `namespace`/`key`, and try to forge it."""
    bob = client(url, "bob")
    found = await bob.store.search_items(namespace, limit=100)
    listed = await bob.store.list_namespaces(prefix=list(namespace[:2]))
    try:
        got = await bob.store.get_item(namespace, key)
    except APIStatusError as exc:  # Aegra's "not found"; langgraph dev answers null
        got = exc.status_code
    await bob.store.put_item(namespace, key, {"forged": True})
    await bob.store.delete_item(namespace, key)
    return {"found": found["items"], "listed": listed["namespaces"], "get": got}


async def refusals(url: str) -> list[tuple[int, str]]:
    """Return (status, body) of a thread search made with no, a wrong, or an expired credential."""
    bad: list[dict[str, str]] = [
        {},
        {"X-Api-Key": KEY_PREFIX + secrets.token_urlsafe(32)},
        {"Authorization": f"Bearer {KEYS['alice']}x"},
        {"Authorization": f"Bearer {token_for('carol', seconds=-60)}"},
        {"Authorization": f"Bearer {token_for('carol', secret=JWT_SECRET + 'x')}"},
        # Studio's own scheme lets no one in: the server has `disable_studio_auth`.
        {"X-Auth-Scheme": "langsmith"},
    ]
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        answers = await asyncio.gather(
            *(http.post("/threads/search", json={}, headers=h) for h in bad)
        )
    return [(a.status_code, a.text) for a in answers]


def refused_alike(answers: list[tuple[int, str]]) -> bool:
    """Return True when every refusal is a 401 with the same body, saying only UNAUTHORIZED."""
    bodies = {body for _, body in answers}
    return (
        {code for code, _ in answers} == {401} and len(bodies) == 1 and UNAUTHORIZED in bodies.pop()
    )
