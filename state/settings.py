"""Typed environment: where Orchestra keeps its data and what it reads."""

from __future__ import annotations

import getpass
import os
import re
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from state.users import LOCAL_USER, bad_user_id

# The schemes of a Postgres URL: checkpoints, Store, thread locks and effect records there.
POSTGRES = ("postgresql://", "postgres://")
CHECKPOINTERS = ("sqlite:///", *POSTGRES)


def os_user() -> str:
    """Return the operating-system user as a user id (the command line's default user)."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # a process whose uid has no name
        return LOCAL_USER
    return re.sub(r"[^A-Za-z0-9_.@+-]", "_", name).lstrip("_.@+-")[:128] or LOCAL_USER


class Settings(BaseSettings):
    """The ORCHESTRA_* environment, validated once."""

    model_config = SettingsConfigDict(env_prefix="ORCHESTRA_", extra="ignore")

    home: Path = Field(default=Path(".orchestra"), description="Data folder.")
    checkpointer: str = Field(
        default="", description="sqlite:///path, postgresql://..., or memory."
    )
    database_url: str = Field(default="", description="Database the sql_analyst reads.")
    database_allow_superuser: bool = Field(
        default=False,
        description="Accept a Postgres role with superuser-like rights for the database.",
    )
    files: Path | None = Field(
        default=None,
        description="Run files (CSVs, charts, reports); a folder every instance shares. "
        "By default <home>/runs.",
    )
    docs_dir: Path | None = Field(default=None, description="Documents for doc_researcher.")
    team: Path | None = Field(
        default=None, description="Team file (YAML); by default the built-in four specialists."
    )
    redact_patterns: str = Field(
        default="", description="Extra regexes, comma-separated, masked in traces and output."
    )
    user: str = Field(
        default_factory=os_user,
        description="The command line's user: the threads, Store items and memories it sees.",
    )
    embeddings: str = Field(
        default="", description="provider:model ranking memories by meaning; '' for by words."
    )
    embeddings_dims: int = Field(
        default=0, ge=0, description="The embeddings' dimensions, where Orchestra cannot tell."
    )

    @field_validator("home")
    @classmethod
    def _home_can_exist(cls, home: Path) -> Path:
        """Refuse a home below a file, or in a folder that cannot be written."""
        existing = home.absolute()
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise ValueError(f"cannot create {home}: {existing} is a file, not a folder")
        if existing != home.absolute() and not os.access(existing, os.W_OK):
            raise ValueError(f"cannot create {home}: {existing} is not writable")
        return home

    @field_validator("checkpointer")
    @classmethod
    def _known_checkpointer(cls, url: str) -> str:
        """Refuse a checkpointer URL of an unknown kind (the password is never echoed)."""
        if url and url != "memory" and not url.startswith(CHECKPOINTERS):
            kind = url.split(":", 1)[0][:20]
            raise ValueError(f"must be sqlite:///path, postgresql://... or memory, not {kind}:...")
        return url

    @field_validator("user")
    @classmethod
    def _user_is_an_id(cls, user: str) -> str:
        """Refuse a user id a keys file could not name; an empty one is the OS user."""
        user = user.strip() or os_user()
        why = bad_user_id(user)
        if why is not None:
            raise ValueError(why)
        return user

    @field_validator("redact_patterns")
    @classmethod
    def _patterns_compile(cls, raw: str) -> str:
        """Refuse a pattern that is not a regular expression."""
        for pattern in (p for p in raw.split(",") if p.strip()):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression ({exc})") from None
        return raw

    def files_dir(self) -> Path:
        """Return the folder of run files: ORCHESTRA_FILES, or the home's runs folder."""
        return self.files or self.home / "runs"

    def checkpointer_url(self) -> str:
        """Return the checkpointer URL, defaulting to SQLite under the home folder."""
        return self.checkpointer or f"sqlite:///{self.home / 'checkpoints.sqlite'}"
