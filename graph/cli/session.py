"""One CLI session: settings, models, checkpointer and graph, opened together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from rich.console import Console

from graph.build import build_graph, pinned_models
from graph.cli.failures import UsageError, load_settings
from graph.models import ModelResolver, ModelSpec
from graph.persistence.checkpoints import open_persistence
from graph.persistence.memory_index import memory_index
from graph.persistence.thread_lock import ThreadBusyError, ThreadLocks
from nodes.guards.screen import Guards
from nodes.specialists import SpecialistSpec
from nodes.specialists.team import Team, load_team
from state.archive import Archive
from state.context import Context
from state.settings import Settings
from state.team_file import TeamFileError
from state.users import OWNER, owner_of


@dataclass
class Session:
    """What every command works with."""

    settings: Settings
    context: Context
    graph: CompiledStateGraph[Any, Any, Any, Any]
    team: Sequence[SpecialistSpec]
    guards: Guards = field(default_factory=Guards)

    def config(self, thread_id: str, checkpoint_id: str | None = None) -> RunnableConfig:
        """Return the run config for a thread (and optionally one of its checkpoints).

        The run is the command line's user's: its checkpoints name them as the thread's
        owner, as a served run's name the server's user; its Store items and memories are
        theirs (state/users.py).
        """
        user = self.settings.user
        configurable: dict[str, Any] = {"thread_id": thread_id, "user_id": user}
        if checkpoint_id:
            configurable["checkpoint_id"] = checkpoint_id
        return {"configurable": configurable, "metadata": {OWNER: user}, "recursion_limit": 200}

    @asynccontextmanager
    async def hold(self, thread_id: str) -> AsyncIterator[None]:
        """Hold the thread's lock for this run: one writer per thread."""
        async with AsyncExitStack() as held:
            try:
                await held.enter_async_context(ThreadLocks.of(self.settings).hold(thread_id))
            except ThreadBusyError:
                raise UsageError(
                    f"thread {thread_id} has a run in progress in another process; wait for it "
                    f"to stop, then continue with: orchestra resume {thread_id}"
                ) from None
            yield

    async def stops(self, thread_id: str) -> dict[str, dict[str, Any]]:
        """Return the thread's stop records: steps a cancelled or drained run stopped."""
        return await self.archive(thread_id).astops() if self.graph.store is not None else {}

    def archive(self, thread_id: str) -> Archive:
        """Return the thread's Archive, under this user's part of the Store."""
        assert self.graph.store is not None
        return Archive(self.graph.store, thread_id, self.settings.user)

    async def failed_calls(self, thread_id: str) -> list[dict[str, Any]]:
        """Return the calls of the thread's orchestrator nodes that failed (each counted)."""
        store = self.graph.store
        if store is None:
            return []
        return await Archive(store, thread_id, self.settings.user).afailed_calls()

    async def thread_exists(self, thread_id: str) -> bool:
        """Return True when the checkpointer holds the thread and it is this user's."""
        snapshot = await self.graph.aget_state(self.config(thread_id))
        return snapshot.created_at is not None and self.owns(snapshot.metadata)

    def owns(self, metadata: Mapping[str, Any] | None) -> bool:
        """Return True when a thread's latest checkpoint names this user as its owner."""
        return owner_of(metadata) == self.settings.user


def model_roles(registry: Sequence[SpecialistSpec]) -> list[str]:
    """Return the roles whose models this process calls: its specialists' and its leads' teams'."""
    roles: list[str] = []
    for spec in registry:
        if spec.lead_team:
            roles += model_roles(spec.lead_team)
        elif spec.remote is None and spec.a2a is None:
            roles.append(spec.role)
    return roles


def check_models(
    models: Mapping[str, ModelSpec] | None,
    context: Context,
    registry: Sequence[SpecialistSpec],
    pinned: Mapping[str, str] | None = None,
) -> None:
    """Resolve every role's model once, so a bad name fails before any work starts."""
    resolver = ModelResolver(models, pinned)
    # A remote specialist's (or A2A agent's) model is its server's business; a lead's are its
    # team's.
    for role in ["orchestrator", *model_roles(registry)]:
        resolver(role, context)
    # The memory role defaults to the orchestrator's model; one of its own is checked too.
    resolver.own("memory", context)


@asynccontextmanager
async def open_session(
    models: Mapping[str, ModelSpec] | None = None,
    *,
    need_models: bool = True,
    existing: bool = False,
    checkpointer_url: str | None = None,
    review_plan: bool = False,
) -> AsyncIterator[Session]:
    """Open settings, models, checkpointer and graph for one command."""
    settings = load_settings()
    try:
        context = Context.from_env(**({"review_plan": True} if review_plan else {}))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        declared = load_team(settings.team)
    except TeamFileError as exc:
        raise UsageError(str(exc)) from None
    async with opened_team(declared) as team:
        if need_models:
            check_models(models, context, team, pinned_models(team))
        url = checkpointer_url or settings.checkpointer_url()
        index = memory_index(settings.embeddings, settings.embeddings_dims)
        async with open_persistence(url, must_exist=existing, index=index) as kept:
            if kept.ranking.note:
                Console(stderr=True).print(f"[yellow]note[/yellow]: {kept.ranking.note}")
            graph = build_graph(
                kept.saver,
                models,
                store=kept.store,
                specialists=team,
                guardrails=declared.guardrails,
                memory=declared.memory,
            )
            yield Session(settings, context, graph, team, Guards(declared.guardrails))


@asynccontextmanager
async def opened_team(declared: Team) -> AsyncIterator[list[SpecialistSpec]]:
    """Yield the team's specs, its MCP servers running; a bad team file is a usage error."""
    try:
        async with declared.opened() as specs:
            yield specs
    except TeamFileError as exc:
        raise UsageError(str(exc)) from None
