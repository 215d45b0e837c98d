"""`orchestra keys`: the API keys a served deployment accepts (in the ORCHESTRA_AUTH_KEYS file)."""

from __future__ import annotations

import json
import sys

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from graph.cli.failures import EXIT_OK, UsageError
from state.api_keys import KeyRecord, KeysFile, KeysFileError
from state.auth_settings import AuthSettings


def keys_file() -> KeysFile:
    """Return the keys file the servers read, or raise a usage error naming the variable."""
    try:
        path = AuthSettings().auth_keys
    except ValidationError as exc:
        raise UsageError(f"authentication settings: {exc.errors()[0]['msg']}") from None
    if path is None:
        raise UsageError(
            "set ORCHESTRA_AUTH_KEYS to the keys file the servers read (it is made on first add)"
        )
    return KeysFile(path)


def as_row(record: KeyRecord) -> dict[str, str]:
    """Return a key's record as listed: never the key, only its id."""
    return {"user": record.user, "key_id": record.key_id, "created": record.created}


def run_keys(action: str, *, user: str | None, key_id: str | None, as_json: bool) -> int:
    """Add a key (printed once), list the keys, or revoke one key or all of a user's."""
    keys = keys_file()
    try:
        if action == "add":
            assert user is not None
            key, record = keys.add(user)
            # The key alone on stdout, so a script can take it; it is never shown again.
            print(json.dumps({"key": key, **as_row(record)}) if as_json else key)
            print(
                f"key {record.key_id} of {user} added to {keys.path}; "
                "this is the only time it is shown",
                file=sys.stderr,
            )
            return EXIT_OK
        if action == "revoke":
            gone = keys.revoke(key_id=key_id, user=user)
            if as_json:
                print(json.dumps([as_row(r) for r in gone]))
            for record in gone:
                print(f"revoked key {record.key_id} of {record.user}", file=sys.stderr)
            return EXIT_OK
        records = keys.records()
    except KeysFileError as exc:
        raise UsageError(str(exc)) from None
    if as_json:
        print(json.dumps([as_row(r) for r in records]))
        return EXIT_OK
    table = Table("user", "key id", "created")
    for record in records:
        table.add_row(*as_row(record).values())
    Console().print(table)
    return EXIT_OK
