"""Where a run's nodes find the thread's Archive: the run's Store, else the graph's own.

The Archive lives under the run's user (state/users.py): a server lets only a thread's owner
run it, and the command line runs only its user's threads, so that user is the owner.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.store.memory import InMemoryStore

from nodes.faces import Call
from state.archive import Archive
from state.context import Context
from state.reports import Brief, Report
from state.users import user_id


class Archives:
    """Hands each node the Archive of the thread it runs in."""

    def __init__(self) -> None:
        # A graph compiled without a Store and run without a server still needs one for the
        # run; it lives as long as this graph, like an in-memory checkpointer would.
        self.fallback = InMemoryStore()

    def __call__(self, runtime: Runtime[Context], config: RunnableConfig) -> Archive:
        """Return the Archive of the run's thread."""
        thread_id = str(config.get("configurable", {}).get("thread_id", ""))
        return Archive(runtime.store or self.fallback, thread_id, user_id(config))


def filed(archive: Archive, brief: Brief, report: Report) -> Call[dict[str, Any]]:
    """Return the filing of a step's report in the Archive, in both faces."""
    return Call(lambda: archive.file(brief, report), lambda: archive.afile(brief, report))
