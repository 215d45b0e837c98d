"""What a thread keeps outside its checkpoints: full step reports and earlier turns' steps.

Each value lives once in LangGraph's Store, keyed by thread and step; the checkpointed state
holds only the current turn, so a checkpoint stays the same size however long the thread.
A thread's records live under its owner's part of the Store, ("users", <owner>, "threads",
<thread>, <kind>), so a server's /store answers each user with their own threads' records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.store.base import BaseStore

from state.reports import Brief, Report
from state.users import store_label, user_namespace

REPORTS, STEPS, MENUS, GUARDRAILS = "reports", "steps", "menus", "guardrails"
# Each turn's memories: the ones it used and the ones it wrote or forgot (state/memories.py).
MEMORY = "memory"
# Steps whose run stopped under them (cancelled, drained): {stops, report, attempt, open}.
STOPS = "stops"
# Orchestrator calls whose node failed, so no state update holds them: {usage, attempts, ...}.
FAILED_CALLS = "failed_calls"
# Far more than a thread holds; the Store pages by this.
PAGE = 10_000


def thread_label(thread_id: str) -> str:
    """Return a thread id as a Store namespace label (which may not hold a period)."""
    return store_label(thread_id)


THREADS = "threads"


def namespace(user: str, thread_id: str, kind: str) -> tuple[str, ...]:
    """Return the Store namespace of one kind of a user's thread's records."""
    return user_namespace(user, THREADS, thread_label(thread_id), kind)


def report_item(report: Mapping[str, Any], objective: str, turn: int) -> dict[str, Any]:
    """Return what the Store keeps of a step's report: all of it, with what it was for."""
    return {**report, "objective": objective, "turn": turn}


def _item(brief: Brief, report: Report) -> dict[str, Any]:
    """Return the Store item of a step's report (its turn read from the step key)."""
    turn = int(brief.step_key.split(".", 1)[0]) if "." in brief.step_key else 0
    return report_item(report.model_dump(), brief.objective, turn)


def _card(brief: Brief, report: Report) -> dict[str, Any]:
    """Return the state update a step's report makes: its card, keyed by step."""
    return {"reports": {brief.step_key: report.card()}}


class Archive:
    """A thread's reports and earlier steps in a Store, in both faces."""

    def __init__(self, store: BaseStore, thread_id: str, user: str) -> None:
        self.store, self.thread_id, self.user = store, thread_id, user

    def _at(self, kind: str) -> tuple[str, ...]:
        """Return the namespace of one kind of this thread's records."""
        return namespace(self.user, self.thread_id, kind)

    def put_report(self, key: str, item: dict[str, Any]) -> None:
        """Keep a step's latest report (a later leg replaces an earlier one)."""
        self.store.put(self._at(REPORTS), key, item, index=False)

    async def aput_report(self, key: str, item: dict[str, Any]) -> None:
        """Keep a step's latest report (async face)."""
        await self.store.aput(self._at(REPORTS), key, item, index=False)

    def file(self, brief: Brief, report: Report) -> dict[str, Any]:
        """Keep a step's whole report here; return the card the state keeps instead."""
        self.put_report(brief.step_key, _item(brief, report))
        return _card(brief, report)

    async def afile(self, brief: Brief, report: Report) -> dict[str, Any]:
        """Keep a step's whole report here; return its card for the state (async face)."""
        await self.aput_report(brief.step_key, _item(brief, report))
        return _card(brief, report)

    def report(self, key: str) -> dict[str, Any] | None:
        """Return a step's latest report, or None."""
        found = self.store.get(self._at(REPORTS), key)
        return dict(found.value) if found else None

    async def areport(self, key: str) -> dict[str, Any] | None:
        """Return a step's latest report, or None (async face)."""
        found = await self.store.aget(self._at(REPORTS), key)
        return dict(found.value) if found else None

    def put_steps(self, steps: Mapping[str, dict[str, Any]]) -> None:
        """Keep finished turns' ledger records, each with its report card."""
        for key, step in steps.items():
            self.store.put(self._at(STEPS), key, step, index=False)

    async def aput_steps(self, steps: Mapping[str, dict[str, Any]]) -> None:
        """Keep finished turns' ledger records (async face)."""
        for key, step in steps.items():
            await self.store.aput(self._at(STEPS), key, step, index=False)

    def steps(self) -> dict[str, dict[str, Any]]:
        """Return the earlier turns' steps: {"record": ..., "report": ...} by step key."""
        items = self.store.search(self._at(STEPS), limit=PAGE)
        return {item.key: dict(item.value) for item in items}

    async def asteps(self) -> dict[str, dict[str, Any]]:
        """Return the earlier turns' steps: {"record": ..., "report": ...} by step key."""
        items = await self.store.asearch(self._at(STEPS), limit=PAGE)
        return {item.key: dict(item.value) for item in items}

    def put_menu(self, turn: int, menu: dict[str, Any]) -> None:
        """Keep what the planner was offered in a turn (its last plan call's menu)."""
        self.store.put(self._at(MENUS), str(turn), menu, index=False)

    async def aput_menu(self, turn: int, menu: dict[str, Any]) -> None:
        """Keep what the planner was offered in a turn (async face)."""
        await self.store.aput(self._at(MENUS), str(turn), menu, index=False)

    async def amenus(self) -> dict[int, dict[str, Any]]:
        """Return each turn's menu, by turn."""
        items = await self.store.asearch(self._at(MENUS), limit=PAGE)
        return {int(item.key): dict(item.value) for item in items}

    def put_trips(self, turn: int, events: list[dict[str, Any]]) -> None:
        """Keep a finished turn's guardrail trips at the orchestrator's stages."""
        if events:
            item = {"events": events}
            self.store.put(self._at(GUARDRAILS), str(turn), item, index=False)

    async def aput_trips(self, turn: int, events: list[dict[str, Any]]) -> None:
        """Keep a finished turn's guardrail trips (async face)."""
        if events:
            item = {"events": events}
            await self.store.aput(self._at(GUARDRAILS), str(turn), item, index=False)

    async def atrips(self) -> dict[int, list[dict[str, Any]]]:
        """Return the earlier turns' guardrail trips at the orchestrator's stages, by turn."""
        items = await self.store.asearch(self._at(GUARDRAILS), limit=PAGE)
        return {int(item.key): list(item.value["events"]) for item in items}

    def put_memory(self, record: dict[str, Any]) -> None:
        """Keep a finished turn's memory record: what it used, wrote and forgot."""
        turn = str(record.get("turn", 0))
        self.store.put(self._at(MEMORY), turn, record, index=False)

    async def aput_memory(self, record: dict[str, Any]) -> None:
        """Keep a finished turn's memory record (async face)."""
        turn = str(record.get("turn", 0))
        await self.store.aput(self._at(MEMORY), turn, record, index=False)

    async def amemory(self) -> dict[int, dict[str, Any]]:
        """Return the earlier turns' memory records, by turn."""
        items = await self.store.asearch(self._at(MEMORY), limit=PAGE)
        return {int(item.key): dict(item.value) for item in items}

    def put_stop(self, key: str, item: dict[str, Any]) -> None:
        """Keep what stopped a step's run under it, and what the step had done by then."""
        self.store.put(self._at(STOPS), key, item, index=False)

    async def aput_stop(self, key: str, item: dict[str, Any]) -> None:
        """Keep what stopped a step's run under it (async face)."""
        await self.store.aput(self._at(STOPS), key, item, index=False)

    def put_stops(self, items: Mapping[str, dict[str, Any]]) -> None:
        """Keep several steps' stop records at once."""
        for key, item in items.items():
            self.put_stop(key, item)

    async def aput_stops(self, items: Mapping[str, dict[str, Any]]) -> None:
        """Keep several steps' stop records at once (async face)."""
        for key, item in items.items():
            await self.aput_stop(key, item)

    def stop(self, key: str) -> dict[str, Any] | None:
        """Return a step's stop record, or None."""
        found = self.store.get(self._at(STOPS), key)
        return dict(found.value) if found else None

    async def astop(self, key: str) -> dict[str, Any] | None:
        """Return a step's stop record, or None (async face)."""
        found = await self.store.aget(self._at(STOPS), key)
        return dict(found.value) if found else None

    def stops(self) -> dict[str, dict[str, Any]]:
        """Return the thread's stop records, by step key."""
        items = self.store.search(self._at(STOPS), limit=PAGE)
        return {item.key: dict(item.value) for item in items}

    async def astops(self) -> dict[str, dict[str, Any]]:
        """Return the thread's stop records, by step key (async face)."""
        items = await self.store.asearch(self._at(STOPS), limit=PAGE)
        return {item.key: dict(item.value) for item in items}

    def drop_stop(self, key: str) -> None:
        """Forget a step's stop record: the step runs again (its ledger has the stops)."""
        self.store.delete(self._at(STOPS), key)

    async def adrop_stop(self, key: str) -> None:
        """Forget a step's stop record (async face)."""
        await self.store.adelete(self._at(STOPS), key)

    def put_failed_call(self, key: str, item: dict[str, Any]) -> None:
        """Keep the calls a failed orchestrator node made: its state update never lands."""
        self.store.put(self._at(FAILED_CALLS), key, item, index=False)

    async def aput_failed_call(self, key: str, item: dict[str, Any]) -> None:
        """Keep the calls a failed orchestrator node made (async face)."""
        await self.store.aput(self._at(FAILED_CALLS), key, item, index=False)

    def failed_calls_now(self) -> list[dict[str, Any]]:
        """Return the thread's failed orchestrator calls, oldest first (sync face)."""
        items = self.store.search(self._at(FAILED_CALLS), limit=PAGE)
        return sorted((dict(item.value) for item in items), key=lambda v: v.get("at", ""))

    async def afailed_calls(self) -> list[dict[str, Any]]:
        """Return the thread's failed orchestrator calls, oldest first."""
        items = await self.store.asearch(self._at(FAILED_CALLS), limit=PAGE)
        return sorted((dict(item.value) for item in items), key=lambda v: v.get("at", ""))
