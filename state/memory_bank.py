"""A user's memories in LangGraph's Store: read, recalled, kept, forgotten, in both faces."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from langgraph.store.base import BaseStore

from state.memories import Memory, from_item, memory_namespace, now_utc
from state.memory_search import PAGE, alive, arecall, recall


def ttl_minutes(memory: Memory, store: BaseStore) -> float | None:
    """Return the Store TTL for a memory that expires, where the Store keeps TTLs."""
    if not memory.expires_at or not store.supports_ttl:
        return None
    left = datetime.fromisoformat(memory.expires_at) - now_utc()
    return max(1.0, left.total_seconds() / 60)


class MemoryBank:
    """One user's memories (`("users", <user>, "memories")`) in a Store."""

    def __init__(self, store: BaseStore, user: str) -> None:
        self.store, self.user = store, user
        self.namespace = memory_namespace(user)

    def all(self) -> list[Memory]:
        """Return every memory of the user, the most recently learned first."""
        found = alive(self.store.search(self.namespace, limit=PAGE))
        return sorted(found, key=lambda m: m.updated_at, reverse=True)

    async def aall(self) -> list[Memory]:
        """Return every memory of the user, the most recently learned first (async face)."""
        found = alive(await self.store.asearch(self.namespace, limit=PAGE))
        return sorted(found, key=lambda m: m.updated_at, reverse=True)

    def get(self, memory_id: str) -> Memory | None:
        """Return one memory, or None (also when it expired)."""
        item = self.store.get(self.namespace, memory_id)
        return _live(item.key, item.value) if item else None

    async def aget(self, memory_id: str) -> Memory | None:
        """Return one memory, or None (async face)."""
        item = await self.store.aget(self.namespace, memory_id)
        return _live(item.key, item.value) if item else None

    def put(self, memory: Memory) -> None:
        """Keep a memory under its id (a memory with that id is replaced)."""
        self.store.put(self.namespace, memory.id, memory.value(), **self._ttl(memory))

    async def aput(self, memory: Memory) -> None:
        """Keep a memory under its id (async face)."""
        await self.store.aput(self.namespace, memory.id, memory.value(), **self._ttl(memory))

    def delete(self, memory_id: str) -> None:
        """Forget one memory."""
        self.store.delete(self.namespace, memory_id)

    async def adelete(self, memory_id: str) -> None:
        """Forget one memory (async face)."""
        await self.store.adelete(self.namespace, memory_id)

    async def aclear(self) -> int:
        """Forget every memory of the user; return how many there were."""
        items = await self.store.asearch(self.namespace, limit=PAGE)
        for item in items:
            await self.store.adelete(self.namespace, item.key)
        return len(items)

    def recall(self, query: str, k: int) -> list[Memory]:
        """Return up to k memories that bear on a query, best first."""
        return recall(self.store, self.namespace, query, k)

    async def arecall(self, query: str, k: int) -> list[Memory]:
        """Return up to k memories that bear on a query, best first (async face)."""
        return await arecall(self.store, self.namespace, query, k)

    def _ttl(self, memory: Memory) -> dict[str, Any]:
        minutes = ttl_minutes(memory, self.store)
        return {"ttl": minutes} if minutes is not None else {}


def _live(key: str, value: dict[str, Any]) -> Memory | None:
    """Return the memory an item holds, or None once it expired."""
    memory = from_item(key, value)
    return None if memory.expired(now_utc()) else memory
