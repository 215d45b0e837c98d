"""Users on `langgraph dev`: each sees and touches only their own threads and Store items.

The session's server asks for alice's and bob's API keys and carol's JWT
(tests/integration_tests/users.py); agent-chat-ui is emulated by its own requests.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from state.api_keys import KeysFile
from tests.integration_tests.conftest import wait_for
from tests.integration_tests.studio import Studio
from tests.integration_tests.users import (
    KEYS,
    chat_ui_threads,
    client,
    refusals,
    refused_alike,
    refused_to_another,
    store_seen_by_bob,
)

pytestmark = [pytest.mark.server, pytest.mark.xdist_group("server")]

RUN_S = 60
WITH_REPORT = "How many orders are there? Write a report."


async def waiting_thread(url: str) -> tuple[str, str]:
    """Have alice ask for a report and wait at its approval; return (thread, run) ids."""
    alice = client(url, "alice")
    thread_id = (await alice.threads.create())["thread_id"]
    question = {"messages": [{"role": "user", "content": WITH_REPORT}]}
    run = await alice.runs.create(thread_id, "orchestrator", input=question)
    await asyncio.wait_for(alice.runs.join(thread_id, run["run_id"]), RUN_S)
    return thread_id, run["run_id"]


async def walk(studio: Studio) -> dict[str, Any]:
    """Alice waits at an approval; bob and carol try her thread and her Store items."""
    thread_id, run_id = await waiting_thread(studio.url)
    alice, carol = client(studio.url, "alice"), client(studio.url, "carol")
    bobs = await client(studio.url, "bob").threads.create(metadata={"graph_id": "orchestrator"})
    carols = (await carol.threads.create())["thread_id"]
    seen = {
        "bob": await refused_to_another(studio.url, thread_id, run_id),
        "missing": await refused_to_another(studio.url, str(uuid.uuid4()), str(uuid.uuid4())),
        # agent-chat-ui's thread list, as each user's key (its X-Api-Key header) lists it.
        "chat_ui": {user: await chat_ui_threads(studio.url, user) for user in ("alice", "bob")},
        "carol": {t["thread_id"] for t in await carol.threads.search(limit=100)},
        "alice_sees_carols": await alice.threads.search(metadata={"owner": "carol"}),
    }
    reports = ("threads", thread_id, "reports")
    seen["store"] = await store_seen_by_bob(studio.url, reports, "1.count")
    mine = await alice.store.search_items(reports, limit=100)
    seen["alice_store"] = {item["key"]: item["value"] for item in mine["items"]}
    seen["alice_namespaces"] = (await alice.store.list_namespaces())["namespaces"]
    # The thread's record says what waits (its state would start the team's MCP servers).
    thread = await alice.threads.get(thread_id)
    seen["alice"] = (thread["status"], list(thread["interrupts"]))
    seen["ids"] = (thread_id, bobs["thread_id"], carols)
    return seen


def test_another_users_thread_is_not_found_and_their_approval_cannot_be_answered(
    studio: Studio,
) -> None:
    seen = asyncio.run(walk(studio))
    alices, bobs, carols = seen["ids"]
    # Every call bob makes on alice's thread finds nothing, as on a thread that does not
    # exist: 404 (copying one is the server's 409), never 403, so nothing says it exists.
    assert seen["bob"] == seen["missing"] == {**dict.fromkeys(seen["bob"], 404), "copy": 409}
    # Her approval still waits, unanswered, and nothing was written for it.
    status, waiting = seen["alice"]
    assert status == "interrupted" and len(waiting) == 1
    assert not list((studio.home / "runs" / alices).glob("*.md"))
    # The chat client lists each key's own threads; carol (a JWT) sees only hers.
    chat_alice, chat_bob = seen["chat_ui"]["alice"], seen["chat_ui"]["bob"]
    assert alices in chat_alice and not {bobs, carols} & chat_alice
    assert chat_bob == {bobs}
    assert seen["carol"] == {carols} and seen["alice_sees_carols"] == []
    # Bob's Store calls land in his own namespace: alice's report is hers alone, unforged.
    assert seen["store"]["found"] == [] and seen["store"]["get"] is None
    assert all(ns[:2] == ["users", "bob"] for ns in seen["store"]["listed"])
    assert seen["alice_store"]["1.count"]["specialist"] == "sql_analyst"
    assert "forged" not in seen["alice_store"]["1.count"]
    # Her own namespaces, listed without a prefix, are all under ("users", "alice").
    assert ["users", "alice", "threads", alices, "reports"] in seen["alice_namespaces"]
    assert {tuple(ns[:2]) for ns in seen["alice_namespaces"]} == {("users", "alice")}


def test_no_a_wrong_or_an_expired_credential_is_401_saying_nothing_more(studio: Studio) -> None:
    answers = asyncio.run(refusals(studio.url))
    assert refused_alike(answers), answers
    # The server's log says it asks for credentials, never that everyone is the local user.
    assert "every request is served as the one local user" not in studio.log.read_text()


def test_a_key_added_is_accepted_and_once_revoked_refused_without_a_restart(
    studio: Studio,
) -> None:
    keys = KeysFile(Path(studio.cwd / "auth_keys"))
    key, record = keys.add("dave")

    def answers() -> int:
        headers = {"X-Api-Key": key}
        return httpx.post(f"{studio.url}/threads/search", json={}, headers=headers).status_code

    # The server reads the file again within a second of its change.
    wait_for(lambda: answers() == 200, timeout=10)
    keys.revoke(record.key_id)
    wait_for(lambda: answers() == 401, timeout=10)
    assert set(KEYS) <= {r.user for r in keys.records()}
