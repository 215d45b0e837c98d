"""Who a run is for: the user a server authenticated, else the caller's own, else the local one.

A LangGraph server (the Agent Server, `langgraph dev`, Aegra) puts the authenticated user in
the run's configurable as `langgraph_auth_user`, set by the server itself; a client can send a
`user_id` of its own, so that is read only where no server said who is asking (the command
line sets it from ORCHESTRA_USER; code calling the graph may set it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.runnables import RunnableConfig

# The one user of a deployment with no keys and no token configured, and of bare code.
LOCAL_USER = "local"
# Every Store item of a user lives under ("users", <label>, ...): the server's /store scope.
USERS = "users"


def user_id(config: RunnableConfig | Mapping[str, Any] | None) -> str:
    """Return the id of the user a run is for."""
    configurable = (config or {}).get("configurable") or {}
    auth = configurable.get("langgraph_auth_user")
    identity = (
        auth.get("identity") if isinstance(auth, Mapping) else getattr(auth, "identity", None)
    )
    chosen = identity or configurable.get("langgraph_auth_user_id") or configurable.get("user_id")
    return str(chosen or LOCAL_USER)


def store_label(text: str) -> str:
    """Return text as a Store namespace label (which may hold no period and not be empty)."""
    return text.replace("%", "%25").replace(".", "%2E") or "-"


def user_namespace(user: str, *rest: str) -> tuple[str, ...]:
    """Return a namespace under a user's own part of the Store."""
    return (USERS, store_label(user), *rest)
