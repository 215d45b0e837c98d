"""Calls an orchestrator node made before it failed: kept in the Archive, counted by the views.

A node that raises writes nothing to the state, so what it spent would vanish: attempts that
timed out or met a 5xx, a plan rejected twice, an answer empty twice. Each is filed here as
the node fails (the run stops, resumable); `show`, `--json` and `orchestra eval` add these
calls to the thread's usage and list their attempts and errors. A call that succeeded after
failed attempts is filed too (`recovered`, no usage: the node's update counts it), so `show`
lists every failed attempt's error.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from nodes.calls import Attempted, attempts_of, faults_of
from nodes.faces import Call
from state.archive import Archive
from state.reports import Usage


def failed_call(
    turn: int, node: str, what: str, errors: Sequence[str], usage: Mapping[str, int]
) -> tuple[str, dict[str, Any]]:
    """Return the Archive key and record of a failed node's calls."""
    at = datetime.now(UTC).isoformat(timespec="milliseconds")
    record = {
        "turn": turn,
        "node": node,
        "what": what,
        "at": at,
        "errors": list(errors),
        "usage": Usage(**usage).model_dump(),
    }
    return f"{turn}.{node}.{uuid.uuid4().hex[:8]}", record


def filing(archive: Archive, key_and_record: tuple[str, dict[str, Any]]) -> Call[None]:
    """Return the filing of a failed node's calls, in both faces."""
    key, record = key_and_record
    return Call(
        lambda: archive.put_failed_call(key, record),
        lambda: archive.aput_failed_call(key, record),
    )


def kept_if_failed(
    call: Call[Attempted],
    archive: Archive,
    at: tuple[int, str, str],
    spent: Mapping[str, int] | None = None,
    errors: Sequence[str] = (),
) -> Call[Attempted]:
    """Return a model call whose attempts are filed when it fails for good (then re-raised).

    `at` is (turn, node, what); `spent` and `errors` are the node run's earlier calls, filed
    with it. A call that succeeded after failed attempts files their errors too, for `show`
    (its usage, all its attempts, is in the node's update).
    """

    def record(exc: Exception) -> tuple[str, dict[str, Any]]:
        # A failed attempt returned no usage: each is one request, no tokens known.
        usage = Usage(**(spent or {})) + Usage(llm_calls=attempts_of(exc))
        return failed_call(*at, [*errors, *faults_of(exc)], usage.model_dump())

    def retried(done: Attempted) -> tuple[str, dict[str, Any]]:
        key, item = failed_call(*at, done.faults, {})
        return key, {**item, "recovered": True}

    def sync() -> Attempted:
        try:
            done = call.sync()
        except Exception as exc:
            archive.put_failed_call(*record(exc))
            raise
        if done.faults:
            archive.put_failed_call(*retried(done))
        return done

    async def aio() -> Attempted:
        try:
            done = await call.aio()
        except Exception as exc:
            await archive.aput_failed_call(*record(exc))
            raise
        if done.faults:
            await archive.aput_failed_call(*retried(done))
        return done

    return Call(sync, aio)
