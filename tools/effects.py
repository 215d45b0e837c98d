"""Side effects once per idempotency key (thread, step, tool call): a re-run finds the first."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


class Effects:
    """A record of the files side-effect tools wrote, keyed by the call that wrote them.

    Where the records live is a subclass's: files on one machine, a table beside Postgres
    checkpoints (tools/pg_effects.py).
    """

    def _read(self, key: str) -> dict[str, object] | None:
        """Return the key's record ({"path", "done"}), or None before its first claim."""
        raise NotImplementedError

    def _write(self, key: str, path: Path, done: bool) -> None:
        """Record the key's file and whether it is complete."""
        raise NotImplementedError

    def claim(self, key: str, folder: Path, name: Callable[[int], str]) -> tuple[Path, bool]:
        """Return the file this key writes, claimed once, and whether it was finished."""
        record = self._read(key)
        if record is not None:
            return Path(str(record["path"])), bool(record["done"])
        folder.mkdir(parents=True, exist_ok=True)
        n = 1
        while True:
            path = folder / name(n)
            # The claim is recorded before the file exists, so a crash between the two
            # leaves a name to fill in, never a second file.
            self._write(key, path, done=False)
            try:
                path.open("x").close()
                return path, False
            except FileExistsError:
                n += 1

    def finish(self, key: str, path: Path) -> None:
        """Record that the key's file is complete."""
        self._write(key, path, done=True)


class FileEffects(Effects):
    """Records as JSON files in one folder, one per key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _record(self, key: str) -> Path:
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")

    def _read(self, key: str) -> dict[str, object] | None:
        try:
            return json.loads(self._record(key).read_text())
        except FileNotFoundError:
            return None

    def _write(self, key: str, path: Path, done: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(
            self._record(key), json.dumps({"key": key, "path": str(path), "done": done})
        )


def write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all: a crash never leaves half of it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(temporary, path)
