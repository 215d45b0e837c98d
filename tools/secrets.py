"""Masking of secrets: passwords in URLs, API keys, and configured patterns."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s/]+)@")
_KEY_PATTERNS = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\blsv2_[A-Za-z0-9_]{8,}"),
    re.compile(r"\bls-[A-Za-z0-9_\-]{6,}"),
]
SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET", "_PASSWORD")


def mask_url(url: str) -> str:
    """Return a URL with any password replaced by ***."""
    return _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:***@", url)


def secret_values(environ: Iterable[tuple[str, str]] | None = None) -> list[str]:
    """Return the values of secret-looking environment variables (long enough to matter)."""
    items = environ if environ is not None else os.environ.items()
    return [v for k, v in items if k.endswith(SECRET_ENV_SUFFIXES) and len(v) >= 6]


def extra_patterns() -> list[re.Pattern[str]]:
    """Return the user's own patterns from ORCHESTRA_REDACT_PATTERNS (comma-separated)."""
    raw = os.environ.get("ORCHESTRA_REDACT_PATTERNS", "")
    patterns = []
    for text in (p for p in raw.split(",") if p.strip()):
        try:
            patterns.append(re.compile(text))
        except re.error:
            continue  # the settings check reports it (exit 2); masking must never fail
    return patterns


def redact(text: str) -> str:
    """Mask passwords in URLs, API keys, secret env values and configured patterns."""
    text = mask_url(text)
    for value in secret_values():
        text = text.replace(value, "***")
    for pattern in [*_KEY_PATTERNS, *extra_patterns()]:
        text = pattern.sub("***", text)
    return text
