"""Full-text search (SQLite FTS5, bm25) and confined reading over a folder of markdown documents."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from tools.errors import ToolError

_MAX_READ_CHARS = 20_000
_TERM = re.compile(r"\w+", re.UNICODE)
# Filler words add noise to an OR query; they are dropped unless nothing else is left.
_STOP = frozenset(
    "a an and are as at be by did do does for from how in is it of on or the to "
    "was what when where which who why with".split()
)


@dataclass(frozen=True)
class DocHit:
    """One matching section: document name, section heading, snippet, score (higher is better)."""

    doc: str
    section: str
    snippet: str
    score: float


def split_sections(text: str) -> list[tuple[str, str]]:
    """Split markdown into ``(heading, body)`` by ``##`` headings; the preamble is "(intro)"."""
    sections: list[tuple[str, list[str]]] = [("(intro)", [])]
    for line in text.splitlines():
        if line.startswith("# "):
            continue  # the title is indexed separately
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        else:
            sections[-1][1].append(line)
    return [(h, "\n".join(b).strip()) for h, b in sections if h != "(intro)" or "".join(b).strip()]


class DocumentLibrary:
    """Search and read the markdown files of one folder; the index lives in its own SQLite file."""

    def __init__(self, docs_dir: Path, index_path: Path) -> None:
        self.docs_dir = Path(docs_dir).resolve()
        self.index_path = Path(index_path)
        self.builds = 0  # how many times this instance rebuilt the index

    def documents(self) -> list[str]:
        """Names (paths relative to the folder) of the readable markdown documents."""
        return sorted(p.relative_to(self.docs_dir).as_posix() for p in self._files())

    def refresh(self) -> bool:
        """Rebuild the index if any file was added, removed or changed; True if it rebuilt."""
        files = self._files()
        stamp = json.dumps(
            [
                [p.relative_to(self.docs_dir).as_posix(), p.stat().st_mtime_ns, p.stat().st_size]
                for p in files
            ]
        )
        self.index_path.parent.mkdir(parents=True, exist_ok=True)
        # One IMMEDIATE transaction: concurrent readers see the old index or the new, never half.
        with closing(sqlite3.connect(self.index_path, timeout=30, isolation_level=None)) as con:
            con.execute("BEGIN IMMEDIATE")
            con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = con.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
            if row and row[0] == stamp:
                con.execute("ROLLBACK")
                return False
            con.execute("DROP TABLE IF EXISTS sections")
            con.execute(
                "CREATE VIRTUAL TABLE sections USING fts5(doc UNINDEXED, title, section, "
                "body, tokenize = 'porter unicode61')"
            )
            for path in files:
                text = path.read_text(encoding="utf-8", errors="replace")
                title = next(
                    (ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), path.stem
                )
                doc = path.relative_to(self.docs_dir).as_posix()
                con.executemany(
                    "INSERT INTO sections VALUES (?, ?, ?, ?)",
                    [(doc, title, h, b) for h, b in split_sections(text)],
                )
            con.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))
            con.execute("COMMIT")
        self.builds += 1
        return True

    def search(self, query: str, limit: int = 5) -> list[DocHit]:
        """Best-matching sections for ``query`` (any words; punctuation is ignored)."""
        # Quote every word: FTS5 operators and punctuation in user text become plain terms.
        words = _TERM.findall(query.lower())
        terms = [f'"{t}"' for t in ([w for w in words if w not in _STOP] or words)][:32]
        if not terms:
            raise ToolError("empty search: give a few keywords")
        self.refresh()
        sql = (
            "SELECT doc, section, snippet(sections, 3, '[', ']', ' … ', 16), "
            "bm25(sections, 0.0, 2.0, 4.0, 1.0) AS rank FROM sections "
            "WHERE sections MATCH ? ORDER BY rank LIMIT ?"
        )
        with closing(sqlite3.connect(self.index_path, timeout=30)) as con:
            rows = con.execute(sql, (" OR ".join(terms), max(1, min(limit, 50)))).fetchall()
        return [DocHit(d, s, " ".join(snip.split()), round(-rank, 3)) for d, s, snip, rank in rows]

    def read(self, doc: str, section: str | None = None) -> str:
        """The whole document ``doc``, or only its ``##`` section named ``section``."""
        text = self._resolve(doc).read_text(encoding="utf-8", errors="replace")
        if section is not None:
            sections = split_sections(text)
            wanted = section.strip().lstrip("#").strip().lower()
            found = [(h, b) for h, b in sections if h.lower() == wanted]
            if not found:
                names = "; ".join(h for h, _ in sections)
                raise ToolError(f"no section '{section}' in {doc}; sections: {names}")
            text = f"## {found[0][0]}\n\n{found[0][1]}"
        if len(text) > _MAX_READ_CHARS:
            text = text[:_MAX_READ_CHARS] + "\n(cut at 20,000 characters — read one section)"
        return text

    def _files(self) -> list[Path]:
        if not self.docs_dir.is_dir():
            raise ToolError(f"documents folder not found: {self.docs_dir}")
        # Skip anything (e.g. a symlink) that resolves outside the folder.
        return sorted(
            p
            for p in self.docs_dir.rglob("*.md")
            if p.is_file() and p.resolve().is_relative_to(self.docs_dir)
        )

    def _resolve(self, doc: str) -> Path:
        """Map a document name to a file inside the folder, refusing any path that escapes it."""
        rel = Path(doc.strip())
        if not doc.strip() or rel.is_absolute() or ".." in rel.parts:
            raise ToolError(
                f"refused '{doc}': give a document name from the library, not a path outside it"
            )
        path = (self.docs_dir / rel).resolve()
        if not path.is_file() and path.suffix != ".md":
            path = (self.docs_dir / rel.with_name(rel.name + ".md")).resolve()
        if not path.is_relative_to(self.docs_dir) or path.suffix != ".md":
            raise ToolError(f"refused '{doc}': it points outside the documents folder")
        if not path.is_file():
            raise ToolError(f"unknown document '{doc}'; documents: {', '.join(self.documents())}")
        return path
