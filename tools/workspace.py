"""The back ends and folders a run's tools reach, opened lazily from the settings."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from state.ids import bad_step_id, bad_thread_id
from state.reports import Brief
from state.settings import POSTGRES, Settings
from tools.effects import Effects, FileEffects
from tools.errors import ToolError

if TYPE_CHECKING:
    from tools.docs import DocumentLibrary
    from tools.sample import SampleData
    from tools.sql import SqlDatabase


class Workspace:
    """Database, documents and run folders for one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Resolved once, when the graph is built: never a blocking getcwd() inside a node.
        self.home = settings.home.resolve()
        self.runs = settings.files_dir().resolve()

    @cached_property
    def sample(self) -> SampleData:
        """Return the generated sample business, generating it on first use."""
        from tools.sample import ensure_sample

        return ensure_sample(self.home)

    @cached_property
    def effects(self) -> Effects:
        """Return the record of side effects, so a re-run call finds its first result."""
        url = self.settings.checkpointer_url()
        if url.startswith(POSTGRES):
            # Beside the checkpoints: every instance that resumes the run finds the same claims.
            from tools.pg_effects import PostgresEffects

            return PostgresEffects(url)
        return FileEffects(self.home / "effects")

    @cached_property
    def database(self) -> SqlDatabase:
        """Return the read-only database the sql_analyst queries."""
        from tools.sql import SqlDatabase

        return SqlDatabase(
            self.settings.database_url or self.sample.database_url,
            allow_privileged=self.settings.database_allow_superuser,
        )

    @cached_property
    def documents(self) -> DocumentLibrary:
        """Return the document library the doc_researcher searches."""
        from tools.docs import DocumentLibrary

        docs_dir = (self.settings.docs_dir or self.sample.docs_dir).resolve()
        # One index per folder, so pointing at other documents never mixes results.
        tag = hashlib.sha1(str(docs_dir).encode()).hexdigest()[:12]
        return DocumentLibrary(docs_dir, self.home / "index" / f"docs-{tag}.sqlite")

    def step_dir(self, brief: Brief) -> Path:
        """Return (and create) the folder where one step writes its files."""
        turn, _, step_id = brief.step_key.partition(".")
        if not turn.isdigit() or (why := bad_step_id(step_id)) is not None:
            raise ToolError(why or f"step key {brief.step_key[:60]!r} is not <turn>.<id>")
        return self._inside(self.run_dir(brief) / brief.step_key)

    def run_dir(self, brief: Brief) -> Path:
        """Return (and create) the folder of the brief's thread."""
        thread = brief.thread_id or "adhoc"
        if (why := bad_thread_id(thread)) is not None:
            raise ToolError(why)
        return self._inside(self.runs / thread)

    def _inside(self, path: Path) -> Path:
        """Create a run folder, refusing one that would resolve outside the home's runs."""
        runs = self.runs
        # Checked before the folder is made, so a refused one leaves nothing behind.
        _refuse_outside(path, path.resolve(), runs)
        path.mkdir(parents=True, exist_ok=True)
        resolved = path.resolve()
        _refuse_outside(path, resolved, runs)
        return resolved


def _refuse_outside(path: Path, resolved: Path, runs: Path) -> None:
    """Raise unless `resolved` (where `path` leads) is the runs folder or inside it."""
    if resolved != runs and runs not in resolved.parents:
        raise ToolError(f"refused: {path} resolves outside {runs}")
