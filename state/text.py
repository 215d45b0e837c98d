"""Text cut to a length: never mid-message without saying so."""

from __future__ import annotations


def clipped(text: str, limit: int, more: str = "") -> str:
    """Return the text on one line; past `limit` characters it ends in '…' and then `more`.

    `more` says where the whole text can be read (e.g. ' (whole: orchestra show THREAD)').
    """
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    return line[: max(1, limit - 1)].rstrip() + "…" + more
