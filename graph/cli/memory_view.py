"""`orchestra memory`: what Orchestra remembers about the command line's user, and forgetting it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from graph.cli.commands import err, out
from graph.cli.failures import EXIT_OK, UsageError, load_settings
from graph.persistence.checkpoints import opened_store
from graph.persistence.memory_index import memory_index
from state.memories import Memory
from state.memory_bank import MemoryBank

ACTIONS = ("list", "show", "forget", "clear")


@asynccontextmanager
async def opened_bank() -> AsyncIterator[MemoryBank | None]:
    """Yield the user's memory bank, or None where nothing has run yet (nothing is created)."""
    settings = load_settings()
    url = settings.checkpointer_url()
    if url.startswith("sqlite:///"):
        exists = await asyncio.to_thread(Path(url.removeprefix("sqlite:///")).exists)
        if not exists:
            yield None
            return
    index = memory_index(settings.embeddings, settings.embeddings_dims)
    async with opened_store(url, index) as (store, _):
        yield MemoryBank(store, settings.user)


async def memory_command(action: str, memory_id: str | None, *, as_json: bool) -> int:
    """Run one `orchestra memory` action for the command line's user (ORCHESTRA_USER)."""
    if action in ("show", "forget") and not memory_id:
        raise UsageError(f"orchestra memory {action} needs an ID (see: orchestra memory list)")
    if action in ("list", "clear") and memory_id:
        raise UsageError(f"orchestra memory {action} takes no ID")
    async with opened_bank() as bank:
        user = load_settings().user
        if action == "list":
            found = await bank.aall() if bank else []
            return listed(user, found, as_json)
        if action == "clear":
            count = await bank.aclear() if bank else 0
            text = f"forgot {count} memories of {user}"
            return said({"user": user, "forgot": count}, text, as_json)
        memory = await bank.aget(str(memory_id)) if bank else None
        if memory is None:
            raise UsageError(f"no memory '{memory_id}' for {user} (see: orchestra memory list)")
        if action == "show":
            return shown(memory, as_json)
        assert bank is not None
        await bank.adelete(memory.id)
        text = f"forgot {memory.id}: {memory.text}"
        return said({"user": user, "forgot": memory.id}, text, as_json)


def said(payload: dict[str, Any], text: str, as_json: bool) -> int:
    """Print what an action did: its JSON object, or a line for a person."""
    if as_json:
        print(json.dumps(payload))
    else:
        out.print(text, highlight=False, markup=False)
    return EXIT_OK


def listed(user: str, memories: list[Memory], as_json: bool) -> int:
    """Print a user's memories, the most recently learned first."""
    if as_json:
        print(json.dumps({"user": user, "memories": [m.model_dump() for m in memories]}))
        return EXIT_OK
    if not memories:
        err.print(f"nothing remembered for {user}")
        return EXIT_OK
    table = Table("id", "kind", "memory", "learned in", "updated", title=f"memories of {user}")
    for memory in memories:
        where = f"{memory.thread_id} turn {memory.turn}"
        table.add_row(memory.id, memory.kind, escape(memory.text), where, memory.updated_at[:19])
    out.print(table)
    return EXIT_OK


def shown(memory: Memory, as_json: bool) -> int:
    """Print one memory with where it was learned and what it replaced."""
    if as_json:
        print(json.dumps(memory.model_dump()))
        return EXIT_OK
    out.print(f"[bold]{memory.id}[/bold] ({memory.kind}) {escape(memory.text)}")
    where = f"thread {memory.thread_id}, turn {memory.turn}"
    out.print(f"learned in {where}; updated {memory.updated_at}")
    if memory.expires_at:
        out.print(f"forgotten after {memory.expires_at}")
    for was in memory.previous:
        out.print(
            f"[dim]was: {escape(str(was['text']))} (thread {was['thread_id']}, "
            f"turn {was['turn']})[/dim]"
        )
    return EXIT_OK
