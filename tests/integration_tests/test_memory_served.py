"""Memory on `langgraph dev` as two users walk it: said once, used in a new thread, forgotten.

Alice states a preference in one thread; her next thread is planned with it; erin (who signs
in with a JWT) never sees it; once alice forgets it through the Store API, no later request does.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from state.memories import memory_namespace
from tests.integration_tests.studio import Studio, ask
from tests.integration_tests.users import client

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]

RUN_S = 60
PREFERENCE = "From now on, give amounts in EUR."
GREETING = "Hello, what do you know about me?"


async def turn(studio: Studio, user: str, thread_id: str | None, question: str) -> list[Any]:
    """Ask `question` as `user` (on a new thread when None); return the model requests it made."""
    sdk = client(studio.url, user)
    if thread_id is None:
        thread_id = (await sdk.threads.create())["thread_id"]
    before = len(studio.model.requests)
    run = await sdk.runs.create(thread_id, "orchestrator", input=ask(question))
    await asyncio.wait_for(sdk.runs.join(thread_id, run["run_id"]), RUN_S)
    return list(studio.model.requests[before:])


def planned(requests: list[Any]) -> str:
    """Return the last message of the turn's plan request."""
    plans = [
        r
        for r in requests
        if r["role"] == "orchestrator" and "planner" in r["request"]["messages"][0]["content"]
    ]
    return str(plans[-1]["request"]["messages"][-1]["content"])


async def walk(studio: Studio) -> dict[str, Any]:
    """Alice says, erin asks, alice asks anew, forgets through /store, and asks again."""
    alice = client(studio.url, "alice")
    seen: dict[str, Any] = {"said": await turn(studio, "alice", None, PREFERENCE)}
    mine = await alice.store.search_items(list(memory_namespace("alice")), limit=100)
    seen["stored"] = [(i["key"], i["value"]["text"]) for i in mine["items"]]
    seen["erin"] = await turn(studio, "erin", None, GREETING)
    seen["erin_store"] = await client(studio.url, "erin").store.search_items(
        list(memory_namespace("alice")), limit=100
    )
    seen["next"] = await turn(studio, "alice", None, GREETING)
    for key, _ in seen["stored"]:
        await alice.store.delete_item(list(memory_namespace("alice")), key)
    seen["after"] = await turn(studio, "alice", None, GREETING)
    return seen


def test_a_users_preference_serves_their_next_thread_only_until_forgotten(studio: Studio) -> None:
    seen = asyncio.run(walk(studio))
    # What alice said is hers, in her namespace of the Store, citing where it was learned.
    [(key, text)] = seen["stored"]
    assert text == PREFERENCE
    # Her new thread's plan was made with it.
    assert f"[{key}] {PREFERENCE}" in planned(seen["next"])
    # Erin's Store calls land in her own namespace; no request made for her holds it.
    assert seen["erin_store"]["items"] == []
    assert seen["erin"] and all(PREFERENCE not in json.dumps(r["request"]) for r in seen["erin"])
    # Forgotten through the Store API: no later request of hers holds it.
    assert seen["after"] and all(PREFERENCE not in json.dumps(r["request"]) for r in seen["after"])
