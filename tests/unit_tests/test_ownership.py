"""What each user may touch, in process: the auth handlers as a server dispatches them, and the
owner a served run stamps in its checkpoints."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import StateGraph
from langgraph_sdk import Auth
from typing_extensions import TypedDict

from graph.auth.credentials import Credentials
from graph.auth.ownership import make_auth
from graph.persistence.owned import OwnedGraph
from state.auth_settings import AuthSettings
from state.users import owner_of

AUTH = make_auth(Credentials(AuthSettings()))


class User:
    """A user as a server hands it to the handlers."""

    def __init__(self, identity: str) -> None:
        self.identity = identity


def dispatch(user: str, resource: str, action: str, value: dict[str, Any]) -> Any:
    """Run the handler a LangGraph server picks for (resource, action): most specific first."""
    ctx = Auth.types.AuthContext(
        user=User(user),
        permissions=[],
        resource=resource,
        action=action,  # type: ignore[arg-type]
    )
    for key in ((resource, action), (resource, "*"), ("*", action), ("*", "*")):
        if key in AUTH._handlers:
            return asyncio.run(AUTH._handlers[key][-1](ctx=ctx, value=value))
    return asyncio.run(AUTH._global_handlers[-1](ctx=ctx, value=value))


def test_what_a_user_creates_is_stamped_theirs_over_any_owner_they_claim() -> None:
    for resource, action in [
        ("threads", "create"),
        ("threads", "create_run"),
        ("threads", "update"),
        ("crons", "create"),
    ]:
        value: dict[str, Any] = {"metadata": {"owner": "alice", "topic": "q3"}}
        assert dispatch("bob", resource, action, value) == {"owner": "bob"}
        assert value["metadata"] == {"owner": "bob", "topic": "q3"}
    bare: dict[str, Any] = {"thread_id": "t"}
    dispatch("bob", "threads", "create", bare)
    assert bare["metadata"] == {"owner": "bob"}


def test_every_other_thread_call_is_filtered_to_the_callers_own() -> None:
    for action in ("read", "search", "delete"):
        assert dispatch("bob", "threads", action, {"thread_id": "t"}) == {"owner": "bob"}
    assert dispatch("bob", "crons", "search", {}) == {"owner": "bob"}


def test_assistants_are_shared_to_read_and_changed_only_by_whoever_made_them() -> None:
    assert dispatch("bob", "assistants", "read", {"assistant_id": "a"}) is None
    assert dispatch("bob", "assistants", "search", {}) is None
    made: dict[str, Any] = {"graph_id": "orchestrator", "metadata": {}}
    assert dispatch("bob", "assistants", "create", made) is None
    assert made["metadata"] == {"owner": "bob"}
    assert dispatch("bob", "assistants", "update", {}) == {"owner": "bob"}
    assert dispatch("bob", "assistants", "delete", {}) == {"owner": "bob"}


def test_the_store_api_is_confined_to_the_callers_part() -> None:
    asked = {
        ("threads", "t", "reports"): ("users", "bob", "threads", "t", "reports"),
        ("users", "bob", "memories"): ("users", "bob", "memories"),
        ("users", "alice", "memories"): ("users", "bob", "users", "alice", "memories"),
        (): ("users", "bob"),
    }
    for action in ("put", "get", "delete", "search", "list_namespaces"):
        for namespace, confined in asked.items():
            value: dict[str, Any] = {"namespace": namespace, "key": "k"}
            assert dispatch("bob", "store", action, value) is None
            assert value["namespace"] == confined
    listing: dict[str, Any] = {"namespace": None, "suffix": None}
    dispatch("bob", "store", "list_namespaces", listing)
    assert listing["namespace"] == ("users", "bob")
    # A user id with a period is a Store label without one.
    value = {"namespace": ("memories",)}
    dispatch("bob.smith", "store", "search", value)
    assert value["namespace"] == ("users", "bob%2Esmith", "memories")


def test_a_resource_no_handler_names_is_refused() -> None:
    assert dispatch("bob", "webhooks", "create", {}) is False


class Count(TypedDict):
    n: int


def test_a_served_run_stamps_the_servers_user_as_owner_over_a_clients_claim() -> None:
    builder = StateGraph(Count)
    builder.add_node("inc", lambda state: {"n": state["n"] + 1})
    builder.set_entry_point("inc")
    graph = OwnedGraph.owning(builder.compile(checkpointer=InMemorySaver()))
    served = {"thread_id": "t", "langgraph_auth_user": User("alice"), "user_id": "mallory"}
    config: Any = {"configurable": served, "metadata": {"owner": "mallory"}}
    asyncio.run(graph.ainvoke({"n": 0}, config))
    graph.invoke({"n": 1}, config)
    graph.update_state(config, {"n": 5})
    owners = {owner_of(c.metadata) for c in graph.checkpointer.list(None)}  # type: ignore[union-attr]
    assert owners == {"alice"}
