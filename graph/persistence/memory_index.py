"""The Store's index for memories: embeddings from ORCHESTRA_EMBEDDINGS, where the Store can.

With embeddings configured, memories are ranked by meaning through the Store's own index: the
in-memory Store always, SQLite where Python can load sqlite-vec, Postgres where pgvector is
installed. Elsewhere, and without embeddings, they are ranked by their words
(state/memory_search.py); `Ranking.note` says why, for the command to print once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from langgraph.store.base import IndexConfig

from graph.models import ModelConfigError
from state.memory_search import set_up_text_search

# Dimensions of the embedding models people name most; others need ORCHESTRA_EMBEDDINGS_DIMS.
KNOWN_DIMS = {
    "openai:text-embedding-3-small": 1536,
    "openai:text-embedding-3-large": 3072,
    "openai:text-embedding-ada-002": 1536,
}
BY_WORDS = "memories are ranked by their words (BM25; Postgres full-text search on Postgres)"


class EmbeddingsConfigError(ModelConfigError):
    """ORCHESTRA_EMBEDDINGS names a model that cannot be set up."""


@dataclass(frozen=True)
class Ranking:
    """How a Store ranks memories: the index it was given (None: by words), and why."""

    index: IndexConfig | None = None
    note: str = ""


def memory_index(embeddings: str, dims: int = 0) -> IndexConfig | None:
    """Return the Store index config for a `provider:model` of embeddings ('' for none)."""
    if not embeddings:
        return None
    size = dims or KNOWN_DIMS.get(embeddings)
    if not size:
        raise EmbeddingsConfigError(
            f"ORCHESTRA_EMBEDDINGS_DIMS: the dimensions of '{embeddings}' are not known; set them"
        )
    from langchain.embeddings import init_embeddings

    try:
        embed = init_embeddings(embeddings)
    except ImportError as exc:
        first = str(exc).splitlines()[0]
        raise EmbeddingsConfigError(f"ORCHESTRA_EMBEDDINGS: missing a package: {first}") from None
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "api_key" in text.lower() or "api key" in text.lower():
            text = f"{embeddings.split(':', 1)[0].upper()}_API_KEY is not set"
        raise EmbeddingsConfigError(f"ORCHESTRA_EMBEDDINGS '{embeddings}': {text}") from None
    return {"dims": size, "embed": embed, "fields": ["text"]}


def sqlite_ranking(index: IndexConfig | None) -> Ranking:
    """Return what a SQLite Store can do with an index: sqlite-vec needs loadable extensions."""
    if index is None:
        return Ranking()
    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        why = "this Python's sqlite3 cannot load sqlite-vec"
        return Ranking(None, f"ORCHESTRA_EMBEDDINGS is set but {why}: {BY_WORDS}")
    return Ranking(index)


async def postgres_ranking(conn: Any, index: IndexConfig | None) -> Ranking:
    """Return what a Postgres Store can do with an index: pgvector must be installed."""
    if index is None:
        return Ranking()
    found = await (
        await conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    ).fetchone()
    if found is None:
        why = "pgvector is not installed in this Postgres"
        return Ranking(None, f"ORCHESTRA_EMBEDDINGS is set but {why}: {BY_WORDS}")
    return Ranking(index)


class TextSearch:
    """The full-text column memories are found by on Postgres, set up like the tables."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    async def setup(self) -> None:
        """Add the column and its index (idempotent)."""
        async with self.pool.connection() as conn:
            await set_up_text_search(conn)
