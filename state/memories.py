"""What Orchestra remembers about a user across threads: a memory, and what a turn adds.

A memory is one Store item under the user's namespace, `("users", <user>, "memories")`,
keyed by its id; its value says what it is and where it was learned (thread and turn).
The extraction call answers with a `MemoryUpdate`: the memories a turn adds, each new or
replacing a known one, and the known ones it withdraws.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from state.users import user_namespace

MEMORIES = "memories"
Kind = Literal["preference", "definition", "instruction", "finding"]
KINDS: tuple[str, ...] = ("preference", "definition", "instruction", "finding")
MEMORY_CHARS = 300
# Replaced versions a memory keeps, newest first: what `orchestra memory show` says it was.
KEPT_VERSIONS = 5


def memory_namespace(user: str) -> tuple[str, ...]:
    """Return the Store namespace of a user's memories."""
    return user_namespace(user, MEMORIES)


class MemoryNote(BaseModel):
    """One thing worth keeping, as the extraction call states it."""

    text: str = Field(description="One sentence, e.g. 'Amounts in EUR.'")
    kind: Kind
    replaces: str | None = Field(default=None, description="Id of the known memory it replaces.")


class MemoryUpdate(BaseModel):
    """What a turn adds to the user's memories; nothing when nothing is worth keeping."""

    memories: list[MemoryNote] = Field(default_factory=list)
    forget: list[str] = Field(default_factory=list, description="Ids the user withdrew.")


def read_update(args: Mapping[str, Any] | None) -> MemoryUpdate:
    """Return the update a reply's arguments hold, leaving out each note that is malformed."""
    raw = dict(args or {})
    notes = []
    for item in raw.get("memories") or []:
        try:
            note = MemoryNote.model_validate(item)
        except ValidationError:
            continue  # one bad note costs that note, never the turn
        text = " ".join(note.text.split())[:MEMORY_CHARS]
        if text:
            notes.append(note.model_copy(update={"text": text}))
    forget = [str(i) for i in raw.get("forget") or [] if isinstance(i, str | int)]
    return MemoryUpdate(memories=notes, forget=forget)


class Memory(BaseModel):
    """A memory as the Store keeps it (its id is the item's key)."""

    id: str = ""
    text: str
    kind: str = "finding"
    thread_id: str = ""
    turn: int = 0
    created_at: str = ""
    updated_at: str = ""
    # Past this moment it is forgotten (the Store's TTL removes it; reads skip it before).
    expires_at: str | None = None
    previous: list[dict[str, Any]] = Field(default_factory=list)

    def value(self) -> dict[str, Any]:
        """Return the Store item's value."""
        return self.model_dump(exclude={"id"})

    def expired(self, now: datetime) -> bool:
        """Return True once the memory's expiry has passed (a time without a zone is UTC)."""
        if not self.expires_at:
            return False
        moment = datetime.fromisoformat(self.expires_at)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) <= now

    def line(self) -> str:
        """Render the memory as one line of a prompt: id, text, kind."""
        return f"- [{self.id}] {self.text} ({self.kind})"

    def source(self) -> dict[str, Any]:
        """Return what a view shows of it: id, text, kind, and where it was learned."""
        return {"id": self.id, "text": self.text, "kind": self.kind, "thread_id": self.thread_id}


def from_item(key: str, value: Mapping[str, Any]) -> Memory:
    """Return the memory a Store item holds."""
    return Memory(**{**value, "id": key})


def now_utc() -> datetime:
    """Return the current time, timezone-aware."""
    return datetime.now(UTC)


def memory_id(user: str, thread_id: str, turn: int, index: int) -> str:
    """Return a new memory's id: the same for the same note of a turn, so a rerun overwrites."""
    seed = f"{user}\x00{thread_id}\x00{turn}\x00{index}"
    return hashlib.sha1(seed.encode()).hexdigest()[:10]


def merged(
    note: MemoryNote,
    key: str,
    earlier: Memory | None,
    where: tuple[str, int],
    ttl_days: float,
) -> Memory:
    """Return the memory a note makes: new, or the earlier one updated in place."""
    stamp = now_utc()
    expires = (stamp + timedelta(days=ttl_days)).isoformat() if ttl_days > 0 else None
    previous: list[dict[str, Any]] = []
    if earlier is not None and earlier.text != note.text:
        was = {"text": earlier.text, "thread_id": earlier.thread_id, "turn": earlier.turn}
        previous = [{**was, "updated_at": earlier.updated_at}, *earlier.previous]
    elif earlier is not None:
        previous = earlier.previous
    return Memory(
        id=key,
        text=note.text,
        kind=note.kind,
        thread_id=where[0],
        turn=where[1],
        created_at=earlier.created_at if earlier else stamp.isoformat(),
        updated_at=stamp.isoformat(),
        expires_at=expires,
        previous=previous[:KEPT_VERSIONS],
    )


def within_budget(memories: Sequence[Memory], tokens: int) -> list[Memory]:
    """Return the memories, best first, that fit a token budget (a quarter token a character)."""
    chosen, spent = [], 0
    for memory in memories:
        cost = len(memory.line()) // 4 + 1
        if spent + cost > tokens:
            break
        chosen.append(memory)
        spent += cost
    return chosen


def render_known(memories: Sequence[Memory]) -> str:
    """Render memories for a prompt, one line each."""
    return "\n".join(memory.line() for memory in memories)
