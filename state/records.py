"""Keyed records merged field by field: the ledger's and the reports' reducer."""

from __future__ import annotations

from typing import Any


def merge_records(
    left: dict[str, dict[str, Any]] | None, right: dict[str, dict[str, Any]] | None
) -> dict[str, dict[str, Any]]:
    """Merge keyed records, field by field, so parallel writers never lose each other.

    A record's `stops` (state/stops.py) is a history: each writer adds its new entries.
    """
    merged = dict(left or {})
    for key, record in (right or {}).items():
        earlier = merged.get(key, {})
        merged[key] = {**earlier, **record}
        if record.get("stops") and earlier.get("stops"):
            merged[key]["stops"] = [*earlier["stops"], *record["stops"]]
    return merged
