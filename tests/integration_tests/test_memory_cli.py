"""Memory as a user walks it on the command line: said once, used in a new thread, forgotten."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage

from graph.testing import answer, plan
from tests.integration_tests.conftest import InProcessCli, model_env
from tests.servers.openai_server import ScriptedOpenAIServer

PREFERENCE = "From now on, give amounts in EUR."


def orchestrate(messages: list[BaseMessage]) -> dict[str, Any]:
    """Answer directly: no step is needed to hear a preference."""
    return plan() if "the planner" in messages[0].text else answer("Noted.")


def test_a_preference_said_in_one_thread_serves_the_next_until_forgotten(
    cli_here: InProcessCli,
) -> None:
    alice, bob = {"ORCHESTRA_USER": "alice"}, {"ORCHESTRA_USER": "bob"}
    with ScriptedOpenAIServer({"orchestrator": orchestrate}) as server:
        env = {**model_env(server), **alice}
        said = cli_here("ask", f"{PREFERENCE} Hello!", "--thread-id", "m1", "--json", **env).json()
        [memory] = said["memories"]["wrote"]
        assert (memory["text"], memory["thread_id"]) == (PREFERENCE, "m1")
        asked = cli_here("ask", "How are you?", "--thread-id", "m2", "--json", **env).json()
        planned = server.calls_for("orchestrator")[-2]["request"]["messages"][-1]["content"]
    # The new thread's plan was made with it, and says so (--json, show).
    [used] = asked["memories"]["used"]
    assert used == {k: memory[k] for k in ("id", "text", "kind", "thread_id")}
    assert f"[{memory['id']}] {PREFERENCE}" in planned
    shown = cli_here("show", "m2", **alice)
    assert f"recalled memory {memory['id']}: {PREFERENCE}" in " ".join(shown.stdout.split())
    # Another user has none; Alice forgets hers, and it is gone.
    assert cli_here("memory", "list", "--json", **bob).json() == {"user": "bob", "memories": []}
    forgot = cli_here("memory", "forget", memory["id"], "--json", **alice)
    assert forgot.json() == {"user": "alice", "forgot": memory["id"]}
    missing = cli_here("memory", "show", memory["id"], **alice)
    assert missing.code == 2 and missing.stderr.strip().splitlines() == [
        f"orchestra: error: no memory '{memory['id']}' for alice (see: orchestra memory list)"
    ]
