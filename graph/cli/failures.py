"""What a stopped run tells the user: one line, an exit code, and how to go on."""

from __future__ import annotations

import os

from pydantic import ValidationError

from state.settings import Settings
from state.text import clipped
from tools.secrets import redact

EXIT_OK, EXIT_USAGE, EXIT_STOPPED, EXIT_APPROVAL = 0, 2, 3, 4
# Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it): resumable.
EXIT_CANCELLED = 130
# The longest error line on stderr; past it the line ends in "…" and says where the rest is.
ERROR_LINE_CHARS = 400


class UsageError(ValueError):
    """Bad usage or input: the command says why and exits 2."""


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def explain(exc: BaseException) -> tuple[int, str]:
    """Return the exit code and one-line message for a failure."""
    # Imported here: a command that never fails this way starts without them.
    import openai

    from graph.models import ModelConfigError
    from graph.persistence.checkpoints import CheckpointStoreError

    for err in _chain(exc):
        if isinstance(err, UsageError | ModelConfigError | CheckpointStoreError):
            return EXIT_USAGE, redact(str(err))
        if isinstance(err, openai.AuthenticationError):
            return EXIT_USAGE, "the model server refused the API key (check OPENAI_API_KEY)"
        if isinstance(err, openai.NotFoundError):
            return EXIT_USAGE, f"the model server does not know that model: {_line(err)}"
        if isinstance(err, openai.APIConnectionError):
            where = os.environ.get("OPENAI_BASE_URL") or "the OpenAI API"
            return EXIT_USAGE, f"cannot reach the model server at {redact(where)}"
    return EXIT_STOPPED, f"{type(exc).__name__}: {_line(exc)}"


def error_line(message: str, thread: str) -> str:
    """Return a stopped run's error as stderr's line: cut past its length, and said so."""
    return clipped(message, ERROR_LINE_CHARS, f" (the whole message: orchestra show {thread})")


def _line(exc: BaseException) -> str:
    """Return an exception's message whole, on one line (the CLI's line cuts it, and says so)."""
    return redact(" ".join(str(exc).split()) or type(exc).__name__)


def load_settings() -> Settings:
    """Read the ORCHESTRA_* environment, turning a bad value into a usage error."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "ORCHESTRA_" + str(first["loc"][0]).upper() if first["loc"] else "environment"
        raise UsageError(f"{name}: {first['msg'].removeprefix('Value error, ')}") from None
