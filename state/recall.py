"""Offline retrieval: BM25 over short texts with SQLite FTS5, nothing downloaded."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Mapping

_WORD = re.compile(r"[A-Za-z0-9]+")
# Words that match nearly every text and would only blur the ranking.
STOP_WORDS = frozenset(
    "a an and are as at be by did do does for from has have how i in is it its me my of on "
    "or our so that the their them then there these this to was we were what when which who "
    "why will with you your".split()
)


def query_terms(text: str) -> list[str]:
    """Return the distinct words of a text worth searching for, in order."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in STOP_WORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


def rank(query: str, docs: Mapping[str, str], k: int) -> list[str]:
    """Return the keys of the k texts that best match the query, best first (BM25)."""
    if not query_terms(query) or not docs or k <= 0:
        return []
    # An index per question: the texts of one thread are few, and no file is kept.
    index = SearchIndex(docs)
    try:
        return index.rank(query, k)
    finally:
        index.close()


class SearchIndex:
    """A BM25 index over fixed texts (SQLite FTS5 in memory), built once and asked often."""

    def __init__(self, docs: Mapping[str, str]) -> None:
        # Asked from worker threads (never on the event loop), one question at a time.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, body, tokenize=porter)"
        )
        self._db.executemany("INSERT INTO docs VALUES (?, ?)", list(docs.items()))

    def rank(self, query: str, k: int) -> list[str]:
        """Return the keys of the k texts that best match the query, best first."""
        terms = query_terms(query)
        if not terms or k <= 0:
            return []
        match = " OR ".join(f'"{term}"' for term in terms)
        with self._lock:
            rows = self._db.execute(
                "SELECT key FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, k)
            ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        """Drop the index."""
        self._db.close()
