"""Typed environment: where Orchestra keeps its data and what it reads."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    docs_dir: Path | None = Field(default=None, description="Documents for doc_researcher.")

    def checkpointer_url(self) -> str:
        """Return the checkpointer URL, defaulting to SQLite under the home folder."""
        return self.checkpointer or f"sqlite:///{self.home / 'checkpoints.sqlite'}"
