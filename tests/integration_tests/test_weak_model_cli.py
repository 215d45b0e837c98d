"""A weak model through `orchestra`: a planner that hangs, a runaway step, empty answers."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage

from graph.testing import plan, step
from tests.integration_tests.conftest import Cli, model_env
from tests.servers.openai_server import ScriptedOpenAIServer

ANSWER = "The team counted the orders of 2025."


def billed(requests: list[dict[str, Any]]) -> dict[str, int]:
    """Return what the server's own log says it was sent and billed, call by call."""
    answered = [r["usage"] for r in requests if r.get("usage")]
    return {
        "llm_calls": len(requests),
        "input_tokens": sum(u["prompt_tokens"] for u in answered),
        "output_tokens": sum(u["completion_tokens"] for u in answered),
    }


def test_a_weak_model_is_limited_counted_to_the_call_and_never_ends_a_turn_empty(
    cli: Cli,
) -> None:
    finals = [{"weak": "empty"}, {"content": ANSWER}]

    def final(messages: list[BaseMessage]) -> dict[str, Any]:
        return finals.pop(0)

    script = {
        "orchestrator": [
            {"hang": True},  # the planner's first attempt: only its time-out ends it
            plan(step("orders", "sql_analyst", "Count the orders placed in 2025.")),
            final,
            {"weak": "empty"},  # asked once more: empty again
        ],
        "sql_analyst": [{"weak": "runaway"}],
    }
    env = {"ORCHESTRA_MODEL_TIMEOUT_S": "1", "ORCHESTRA_MAX_TOKENS_STEP": "40"}
    with ScriptedOpenAIServer(script) as server:
        env |= model_env(server)
        asked = cli("ask", "How many orders in 2025?", "--thread-id", "weak", "--json", **env)
        stopped = billed(server.requests)
        resumed = cli("resume", "weak", "--json", **env)
        requests = server.requests

    # While the planner's call waits out its time-out and is tried again, the user is told.
    said = " ".join(asked.stderr.split())
    assert "retrying planner: attempt 2 of 3 after a 1 s time-out" in said
    # The runaway step ends at its limit, which reaches the server as max_tokens.
    (runaway,) = [r for r in requests if r["role"] == "sql_analyst"]
    assert runaway["request"]["max_tokens"] == 40 and runaway["usage"]["completion_tokens"] == 40
    # An empty answer, twice: the turn stops (exit 3, resumable), nothing is called done.
    assert asked.code == 3, asked.stderr
    message = "the orchestrator's model returned an empty answer, twice (it was asked once more)"
    assert f"error: EmptyAnswerError: {message}" in said
    out = asked.json()
    assert (out["status"], out["answer"]) == ("failed", "")
    assert out["error"] == f"EmptyAnswerError: {message}"
    # Every request the server saw is counted, the hung and the empty ones too.
    assert out["usage"] == stopped and stopped["llm_calls"] == 5
    # Listed with their errors: the planner's timed-out attempt, the finalizer's two answers.
    retried, failed = out["failed_calls"]
    assert (retried["what"], retried["recovered"]) == ("planner", True)
    assert retried["errors"] == ["CallTimeoutError: planner timed out after 1s"]
    assert (failed["what"], failed["usage"]["llm_calls"]) == ("finalizer", 2)

    assert resumed.code == 0, resumed.stderr
    done = resumed.json()
    assert (done["status"], done["answer"]) == ("done", ANSWER)
    assert done["usage"] == billed(requests) and len(requests) == 6
