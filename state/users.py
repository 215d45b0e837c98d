"""Who a run is for: the user a server authenticated, else the caller's own, else the local one.

A LangGraph server (the Agent Server, `langgraph dev`, Aegra) puts the authenticated user in
the run's configurable as `langgraph_auth_user`, set by the server itself; a client can send a
`user_id` of its own, so that is read only where no server said who is asking (the command
line sets it from ORCHESTRA_USER; code calling the graph may set it).

A thread's owner is stamped in its checkpoints' metadata as `owner` by every face that runs
it (the served graphs from the server's user, the command line from ORCHESTRA_USER), so the
command line can list a shared database's threads per user; a thread no face stamped (one
run by bare code) belongs to the local user, as its Store items do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only a type: the command line starts without langchain_core for commands that need none.
    from langchain_core.runnables import RunnableConfig

# The one user of a deployment with no keys and no token configured, and of bare code.
LOCAL_USER = "local"
# Every Store item of a user lives under ("users", <label>, ...): the server's /store scope.
USERS = "users"
# The checkpoint metadata key naming a thread's owner (the servers' thread metadata key too).
OWNER = "owner"
# A user id a keys file or ORCHESTRA_USER names: an e-mail address fits; a token's `sub` may be
# anything printable.
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}")


def user_id(config: RunnableConfig | Mapping[str, Any] | None) -> str:
    """Return the id of the user a run is for."""
    configurable = (config or {}).get("configurable") or {}
    auth = configurable.get("langgraph_auth_user")
    identity = (
        auth.get("identity") if isinstance(auth, Mapping) else getattr(auth, "identity", None)
    )
    chosen = identity or configurable.get("langgraph_auth_user_id") or configurable.get("user_id")
    return str(chosen or LOCAL_USER)


def bad_user_id(text: str) -> str | None:
    """Return why a user id is not allowed in a keys file or ORCHESTRA_USER, or None."""
    if USER_ID.fullmatch(text):
        return None
    return (
        f"user id {text[:60]!r} must be 1-128 letters, digits, '.', '_', '@', '+' or '-', "
        "starting with a letter or digit"
    )


def owned(config: RunnableConfig) -> RunnableConfig:
    """Return the config with its run's user stamped as the thread's owner in its metadata."""
    metadata = {**(config.get("metadata") or {}), OWNER: user_id(config)}
    return {**config, "metadata": metadata}


def owner_of(metadata: Mapping[str, Any] | None) -> str:
    """Return the owner a checkpoint's metadata names; unstamped, the local user."""
    return str((metadata or {}).get(OWNER) or LOCAL_USER)


def store_label(text: str) -> str:
    """Return text as a Store namespace label (which may hold no period and not be empty)."""
    return text.replace("%", "%25").replace(".", "%2E") or "-"


def user_namespace(user: str, *rest: str) -> tuple[str, ...]:
    """Return a namespace under a user's own part of the Store."""
    return (USERS, store_label(user), *rest)
