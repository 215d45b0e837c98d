"""What each user may touch: data the server enforces, as LangGraph's custom-auth pattern has it.

A thread is stamped with its owner when created, and every other thread call carries the
owner filter, so another user's thread is not found (404, never 403). Assistants are shared.
The Store API is confined to ("users", <user>, ...), where a user's threads' records and
memories live. There is no administrator: whoever holds the database reads every thread with
the command line (`ORCHESTRA_USER=... orchestra show`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph_sdk import Auth

from graph.auth.credentials import Credentials
from state.users import OWNER, user_namespace


def confined(namespace: Any, user: str) -> tuple[str, ...]:
    """Return a Store namespace inside the user's own part (Aegra scopes /store the same way)."""
    own = user_namespace(user)
    asked = tuple(namespace or ())
    return asked if asked[: len(own)] == own else (*own, *asked)


def stamped(value: Any, user: str) -> dict[str, str]:
    """Name the user as owner in a request's metadata; return the filter on that owner."""
    metadata = value.get("metadata") if isinstance(value, Mapping) else None
    if isinstance(metadata, dict):
        metadata[OWNER] = user
    elif isinstance(value, dict):
        value["metadata"] = {OWNER: user}
    return {OWNER: user}


def make_auth(credentials: Credentials) -> Auth:
    """Return the server's Auth: authentication by `credentials`, ownership by metadata."""
    auth = Auth()

    @auth.authenticate
    async def authenticate(headers: Mapping[Any, Any]) -> Auth.types.MinimalUserDict:
        """Return the user the request's key or token names (401 when none is valid)."""
        # Named `headers` and passed alone: LangGraph's servers pass it by name, Aegra by place.
        return await credentials.user(headers)

    @auth.on(resources="threads", actions=["create", "create_run", "update"])
    @auth.on(resources="crons", actions=["create", "update"])
    async def owned_by_caller(
        ctx: Auth.types.AuthContext, value: dict[str, Any]
    ) -> Auth.types.FilterType:
        """Stamp the caller as owner of what they create or change; touch only their own."""
        return stamped(value, ctx.user.identity)

    @auth.on(resources=["threads", "crons", "assistants"])
    async def only_own(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> Auth.types.FilterType:
        """Let a caller read, search, run, cancel or delete only what they own.

        An assistant can be changed or deleted by whoever made it (never a served graph's).
        """
        return {OWNER: ctx.user.identity}

    @auth.on(resources="assistants", actions=["read", "search"])
    async def shared(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> None:
        """Let everyone see every assistant: the graphs and the team are shared."""
        return None

    @auth.on(resources="assistants", actions="create")
    async def assistant_owned(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> None:
        """Stamp the caller as owner of an assistant (a saved configuration) they make."""
        stamped(value, ctx.user.identity)

    @auth.on(resources="store")
    async def own_store(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> None:
        """Confine every Store call to the caller's own namespaces."""
        if "namespace" in value:
            value["namespace"] = confined(value["namespace"], ctx.user.identity)

    @auth.on
    async def refused(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> bool:
        """Refuse what no handler above allows (a resource a later server adds)."""
        return False

    return auth
