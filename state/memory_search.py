"""Finding a user's memories that bear on a question: by meaning, or by words.

Three ways, chosen by the Store: its own index when it has one (embeddings configured: the
in-memory Store, SQLite with sqlite-vec, Postgres with pgvector); on Postgres without one,
Postgres's full-text search over a column Orchestra adds to the Store's table; elsewhere,
BM25 over the user's memories (state/recall.py). Standing preferences and instructions fill
the places relevance leaves, newest first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from langgraph.store.base import BaseStore, Item
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from state.memories import Memory, from_item, now_utc
from state.recall import query_terms, rank

STANDING = ("preference", "instruction")
# Far more than one user keeps; reads page by this.
PAGE = 100_000
# Standing memories a search by kind reads, before the newest are chosen.
STANDING_PAGE = 100
# A tsvector of each user item's `text`, kept by Postgres itself (a generated column), and
# its index; each with the query that says it is there already (then no lock is taken).
TEXT_SEARCH_DDL = (
    (
        "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('store') "
        "AND attname = 'orchestra_text' AND NOT attisdropped",
        "ALTER TABLE store ADD COLUMN IF NOT EXISTS orchestra_text tsvector GENERATED ALWAYS AS "
        "(CASE WHEN prefix LIKE 'users.%' THEN "
        "to_tsvector('english', coalesce(value->>'text', '')) END) STORED",
    ),
    (
        "SELECT to_regclass('store_orchestra_text') AS found",
        "CREATE INDEX IF NOT EXISTS store_orchestra_text ON store USING gin (orchestra_text)",
    ),
    (
        "SELECT to_regclass('store_orchestra_standing') AS found",
        "CREATE INDEX IF NOT EXISTS store_orchestra_standing ON store (prefix, updated_at) "
        "WHERE value->>'kind' IN ('preference', 'instruction')",
    ),
)
ALIVE = "(expires_at IS NULL OR expires_at > NOW())"
# The best matches by words, and the newest standing memories: one round trip.
RELEVANT_SQL = f"""
(SELECT key, value, 1 AS part FROM store, to_tsquery('english', %(q)s) q
 WHERE prefix = %(prefix)s AND orchestra_text @@ q AND {ALIVE}
 ORDER BY ts_rank(orchestra_text, q) DESC LIMIT %(k)s)
UNION ALL """
STANDING_SQL = f"""
(SELECT key, value, 2 AS part FROM store
 WHERE prefix = %(prefix)s AND value->>'kind' IN ('preference', 'instruction') AND {ALIVE}
 ORDER BY updated_at DESC LIMIT %(k)s)"""


async def set_up_text_search(conn: Any) -> None:
    """Add the full-text column and its index to a Postgres Store's table, once."""
    for present, statement in TEXT_SEARCH_DDL:
        row = await (await conn.execute(present)).fetchone()
        # No row, or a row whose one value is NULL (rows may be tuples or dicts).
        value = None if row is None else next(iter(row.values() if isinstance(row, dict) else row))
        if value is None:
            await conn.execute(statement)


def index_of(store: BaseStore) -> Any:
    """Return the Store's own index configuration (a server's Store wraps one), or None."""
    inner = getattr(store, "_store", None)
    return getattr(store, "index_config", None) or getattr(inner, "index_config", None)


def alive(items: Iterable[Item]) -> list[Memory]:
    """Return the items as memories, leaving out those past their expiry."""
    now = now_utc()
    found = [from_item(item.key, item.value) for item in items]
    return [m for m in found if not m.expired(now)]


def filled(relevant: list[Memory], everyone: Iterable[Memory], k: int) -> list[Memory]:
    """Return the relevant memories, then standing ones (newest first) up to k in all."""
    chosen = {m.id: m for m in relevant[:k]}
    standing = sorted(
        (m for m in everyone if m.kind in STANDING and m.id not in chosen),
        key=lambda m: m.updated_at,
        reverse=True,
    )
    for memory in standing[: max(0, k - len(chosen))]:
        chosen[memory.id] = memory
    return list(chosen.values())


def by_words(memories: list[Memory], query: str, k: int) -> list[Memory]:
    """Return up to k memories: BM25 over their texts, then the standing ones."""
    ranked = rank(query, {m.id: m.text for m in memories}, k)
    found = {m.id: m for m in memories}
    return filled([found[key] for key in ranked], memories, k)


def recall(store: BaseStore, namespace: tuple[str, ...], query: str, k: int) -> list[Memory]:
    """Return up to k of a user's memories that bear on a query, best first (sync face)."""
    if k <= 0:
        return []
    if index_of(store):
        relevant = alive(store.search(namespace, query=query, limit=k))
        standing = []
        for kind in STANDING:
            standing += alive(store.search(namespace, filter={"kind": kind}, limit=STANDING_PAGE))
        return filled(relevant, standing, k)
    return by_words(alive(store.search(namespace, limit=PAGE)), query, k)


async def arecall(store: BaseStore, namespace: tuple[str, ...], query: str, k: int) -> list[Memory]:
    """Return up to k of a user's memories that bear on a query, best first."""
    if k <= 0:
        return []
    if index_of(store):
        relevant = alive(await store.asearch(namespace, query=query, limit=k))
        standing = []
        for kind in STANDING:
            standing += alive(
                await store.asearch(namespace, filter={"kind": kind}, limit=STANDING_PAGE)
            )
        return filled(relevant, standing, k)
    if hasattr(store, "conn") and hasattr(store, "_cursor"):
        found = await _postgres_recall(store, namespace, query, k)
        if found is not None:
            return found
    everyone = alive(await store.asearch(namespace, limit=PAGE))
    # BM25 queries SQLite (FTS5): off the event loop, like any blocking call.
    return await asyncio.to_thread(by_words, everyone, query, k)


async def _postgres_recall(
    store: Any, namespace: tuple[str, ...], query: str, k: int
) -> list[Memory] | None:
    """Return memories by Postgres's full-text search, or None where the column is missing."""
    terms = " | ".join(query_terms(query))
    sql = (RELEVANT_SQL if terms else "") + STANDING_SQL
    params = {"q": terms, "prefix": ".".join(namespace), "k": k}
    pool_or_conn = store.conn
    try:
        if hasattr(pool_or_conn, "connection"):
            async with pool_or_conn.connection() as conn:
                rows = await _rows(conn, sql, params)
        else:
            rows = await _rows(pool_or_conn, sql, params)
    except (pg_errors.UndefinedColumn, pg_errors.UndefinedTable):
        return None  # a Store Orchestra did not set up (another server's): ranked by BM25
    found = [(row["part"], from_item(row["key"], row["value"])) for row in rows]
    return filled([m for part, m in found if part == 1], [m for part, m in found if part == 2], k)


async def _rows(conn: Any, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the recall query on one connection."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return list(await cur.fetchall())
