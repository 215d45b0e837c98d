"""One writer per thread: a second run on a busy thread fails at once and loses nothing."""

from __future__ import annotations

import signal

import pytest

from tests.integration_tests.conftest import Cli, model_env, wait_for
from tests.integration_tests.studio import SCRIPT, orchestrate
from tests.servers.openai_server import ScriptedOpenAIServer

QUESTION = "How many orders are there? Write a report."


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "sqlite":
        return {}
    return {"ORCHESTRA_CHECKPOINTER": request.getfixturevalue("postgres_url")}


def test_a_second_run_on_a_busy_thread_is_refused_and_no_turn_is_lost(
    cli: Cli, store: dict[str, str]
) -> None:
    hanging = {**SCRIPT, "orchestrator": [{"hang": True}, *[orchestrate] * 3]}
    with ScriptedOpenAIServer(hanging) as server:
        env = {**model_env(server), **store}
        first = cli.start("ask", QUESTION, "--thread-id", "busy", "--yes", **env)
        try:
            # the first run is planning now (or has died, which the assert reports)
            wait_for(lambda: bool(server.calls_for("orchestrator")) or first.poll() is not None)
            assert first.poll() is None
            for args in (("ask", "Another question", "--thread-id", "busy"), ("resume", "busy")):
                refused = cli(*args, "--yes", **env)
                assert refused.code == 2, refused.stderr
                assert "thread busy has a run in progress in another process" in refused.stderr
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        # the lock died with its process; the first turn continues and is the thread's only one
        done = cli("resume", "busy", "--yes", "--json", **env)
        assert done.code == 0, done.stderr
        assert done.json()["turn"] == 1 and done.json()["status"] == "done"
        assert [r["status"] for r in server.calls_for("orchestrator")] == [None, 200, 200]
