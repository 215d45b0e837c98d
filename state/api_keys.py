"""API keys of a served deployment: a file of one line per key, its user and the key's hash.

A key is shown once, when it is made; the file keeps only its SHA-256, so whoever reads the
file learns no key. A key is 32 random bytes, so a plain hash is enough (a slow hash guards
guessable passwords, and no one guesses 256 random bits).
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from state.users import bad_user_id

# Recognisable in a leak (and by secret scanners); the rest is the random part.
KEY_PREFIX = "orch_"
HASH = "sha256:"
log = logging.getLogger("orchestra.auth")


class KeysFileError(ValueError):
    """The keys file cannot be read or a request to change it is wrong: one line, exit 2."""


def digest(key: str) -> str:
    """Return the hash a keys file keeps of a key (hex SHA-256)."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyRecord:
    """One key: whose it is, its hash, and when it was made."""

    user: str
    digest: str
    created: str = ""

    @property
    def key_id(self) -> str:
        """Return the key's short id (the start of its hash): how it is listed and revoked."""
        return self.digest[:12]

    def line(self) -> str:
        """Return the record as a line of the keys file."""
        return f"{self.user} {HASH}{self.digest} {self.created}".rstrip() + "\n"


def parse(text: str, path: Path) -> list[KeyRecord]:
    """Return the records of a keys file's text; a bad line is a KeysFileError naming it."""
    records = []
    for number, raw in enumerate(text.splitlines(), 1):
        fields = raw.split()
        if not fields or fields[0].startswith("#"):
            continue
        hashed = fields[1] if len(fields) > 1 else ""
        hexdigest = hashed.removeprefix(HASH)
        if (
            len(fields) > 3
            or bad_user_id(fields[0])
            or not hashed.startswith(HASH)
            or len(hexdigest) != 64
            or any(c not in "0123456789abcdef" for c in hexdigest)
        ):
            raise KeysFileError(f"{path}:{number}: expected 'USER sha256:HEX [CREATED]'")
        records.append(KeyRecord(fields[0], hexdigest, fields[2] if len(fields) > 2 else ""))
    return records


class KeysFile:
    """The keys file `orchestra keys` changes: add, list, revoke."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self) -> list[KeyRecord]:
        """Return every key's record (none when the file does not exist yet)."""
        try:
            return parse(self.path.read_text(), self.path)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise KeysFileError(f"cannot read {self.path}: {exc.strerror}") from None

    def add(self, user: str) -> tuple[str, KeyRecord]:
        """Make a key for `user` and keep its hash; return the key (shown once) and record."""
        why = bad_user_id(user)
        if why is not None:
            raise KeysFileError(why)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = KeyRecord(user, digest(key), created)
        with self._locked():
            self.records()  # a file already broken is not appended to
            # Readable by its owner alone, like an SSH key: hashes still name the users.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a") as out:
                out.write(record.line())
        return key, record

    def revoke(self, key_id: str | None = None, user: str | None = None) -> list[KeyRecord]:
        """Remove one key (by its id) or every key of a user; return what was removed."""
        with self._locked():
            records = self.records()
            gone = [
                r for r in records if (key_id and r.key_id == key_id) or (user and r.user == user)
            ]
            if not gone:
                what = f"key {key_id}" if key_id else f"key of user {user}"
                raise KeysFileError(f"no {what} in {self.path} (see: orchestra keys list)")
            kept = "".join(r.line() for r in records if r not in gone)
            spare = self.path.with_name(self.path.name + ".new")
            fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(kept)
            # Atomic: a server reading the file sees the old keys or the new ones.
            os.replace(spare, self.path)
        return gone

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the keys file's lock: two commands changing it at once lose nothing."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(self.path.with_name(self.path.name + ".lock"), "a")
        except OSError as exc:
            raise KeysFileError(f"cannot write beside {self.path}: {exc.strerror}") from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


class KeyRing:
    """The keys a server accepts, read again once the file has changed (so a revoke holds)."""

    def __init__(self, path: Path, recheck_s: float = 1.0) -> None:
        self.path, self.recheck_s = path, recheck_s
        self._users: dict[str, str] = {}
        self._seen: tuple[int, int, int] | None = None
        self._checked = float("-inf")
        # Reloads run in threads: one at a time, so none puts back what another replaced.
        self._reloading = threading.Lock()

    async def user_of(self, key: str) -> str | None:
        """Return the user whose key this is, or None."""
        if time.monotonic() - self._checked >= self.recheck_s:
            # A stat, and a read when the file changed: off the server's event loop. Every
            # request that finds the keys due waits for them, the first ones included.
            await asyncio.to_thread(self.reload)
        return self._users.get(digest(key))

    def reload(self) -> None:
        """Read the file again if it changed; a missing or broken file accepts no key."""
        with self._reloading:
            try:
                stat = self.path.stat()
                seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
                if seen != self._seen:
                    records = parse(self.path.read_text(), self.path)
                    self._users, self._seen = {r.digest: r.user for r in records}, seen
            except (OSError, KeysFileError) as exc:
                if self._seen != (0, 0, 0):
                    log.error("API keys unreadable, no key is accepted: %s", _reason(exc))
                self._users, self._seen = {}, (0, 0, 0)
            self._checked = time.monotonic()


def _reason(exc: Exception) -> str:
    """Return an error as one line (a missing file says which)."""
    if isinstance(exc, FileNotFoundError):
        return f"no file {exc.filename}"
    return str(exc)
