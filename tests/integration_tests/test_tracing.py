"""Traces reach a LangSmith-compatible capture server: the tree, metadata, tokens, no secrets."""

from __future__ import annotations

import socket
from typing import Any

from tests.integration_tests.conftest import Cli, model_env
from tests.integration_tests.scripts import sql_and_docs
from tests.servers.langsmith_server import LangSmithCaptureServer
from tests.servers.openai_server import ScriptedOpenAIServer

OPENAI_KEY = "sk-test-SECRET-openai-1234567890"
LANGSMITH_KEY = "lsv2_pt_SECRETLANGSMITHKEY_0123456789"
DB_PASSWORD = "pg-SECRET-password-42"
CUSTOM_SECRET = "ACME-778899"
QUESTION = f"How many orders in 2025, and North's returns policy? (ticket {CUSTOM_SECRET})"


def env_for(server: ScriptedOpenAIServer, endpoint: str, postgres_url: str) -> dict[str, str]:
    user_host = postgres_url.split("://", 1)[1].split("@", 1)[1]
    return {
        **model_env(server, api_key=OPENAI_KEY),
        "LANGSMITH_TRACING": "true",
        "LANGSMITH_API_KEY": LANGSMITH_KEY,
        "LANGSMITH_ENDPOINT": endpoint,
        "LANGSMITH_PROJECT": "orchestra-tests",
        # trust auth ignores the password; it is here to prove it is never sent anywhere
        "ORCHESTRA_CHECKPOINTER": f"postgresql://postgres:{DB_PASSWORD}@{user_host}",
        "ORCHESTRA_REDACT_PATTERNS": r"ACME-\d{6}",
    }


def children(runs: dict[str, dict[str, Any]], parent: str) -> list[dict[str, Any]]:
    return [r for r in runs.values() if str(r.get("parent_run_id")) == parent]


def test_run_is_one_trace_with_named_steps_metadata_tokens_and_no_secrets(
    cli: Cli, postgres_url: str
) -> None:
    with LangSmithCaptureServer() as smith, ScriptedOpenAIServer(sql_and_docs()) as model:
        env = env_for(model, smith.url, postgres_url)
        result = cli("ask", QUESTION, "--thread-id", "traced", "--json", **env)
        assert result.code == 0, result.stderr
        runs = smith.runs
        bodies = b"".join(smith.raw_bodies)
    roots = [r for r in runs.values() if not r.get("parent_run_id")]
    assert len(roots) == 1
    root = roots[0]
    assert root["name"] == "orchestrator"
    assert root.get("session_name") == "orchestra-tests"
    assert {r["trace_id"] for r in runs.values()} == {root["trace_id"]}
    names = {r["name"] for r in runs.values()}
    assert {"plan", "dispatch", "finalize"} <= names
    assert {"sql_analyst:orders", "doc_researcher:policy"} <= names
    by_name = {r["name"]: r for r in runs.values()}
    step = by_name["sql_analyst:orders"]
    meta = step["extra"]["metadata"]
    assert meta["thread_id"] == "traced" and meta["step_id"] == "1.orders"
    assert meta["specialist"] == "sql_analyst" and meta["attempt"] == 1
    assert meta["model"] == "openai:scripted-model"
    assert "specialist:sql_analyst" in step["tags"] and "orchestrator" in step["tags"]
    # model and tool runs hang under the step, with token counts on the model runs
    below: list[dict[str, Any]] = []
    frontier = [str(step["id"])]
    while frontier:
        kids = [k for p in frontier for k in children(runs, p)]
        below += kids
        frontier = [str(k["id"]) for k in kids]
    llm_runs = [r for r in below if r["run_type"] == "llm"]
    tool_runs = [r for r in below if r["run_type"] == "tool"]
    assert len(llm_runs) == 2 and [t["name"] for t in tool_runs] == ["run_sql"]
    for llm in llm_runs:
        usage = (
            llm["outputs"]["llm_output"]["token_usage"]
            if "llm_output" in llm["outputs"]
            else llm["outputs"]["generations"][0][0]["message"]["kwargs"]["usage_metadata"]
        )
        assert any(v for v in usage.values() if isinstance(v, int))
        assert llm["extra"]["metadata"]["step_id"] == "1.orders"
    for secret in (OPENAI_KEY, LANGSMITH_KEY, DB_PASSWORD, CUSTOM_SECRET):
        assert secret.encode() not in bodies, secret


def test_resumed_run_is_found_under_the_same_thread(cli: Cli, postgres_url: str) -> None:
    script = sql_and_docs()
    script["orchestrator"].insert(1, {"status": 500})
    script["orchestrator"].insert(1, {"status": 500})
    script["orchestrator"].insert(1, {"status": 500})
    with LangSmithCaptureServer() as smith, ScriptedOpenAIServer(script) as model:
        env = env_for(model, smith.url, postgres_url)
        first = cli("ask", QUESTION, "--thread-id", "again", **env)
        assert first.code == 3 and "orchestra resume again" in first.stderr
        second = cli("resume", "again", "--json", **env)
        assert second.code == 0, second.stderr
        roots = [r for r in smith.runs.values() if not r.get("parent_run_id")]
    assert len(roots) == 2
    assert {r["extra"]["metadata"]["thread_id"] for r in roots} == {"again"}


def test_unreachable_langsmith_leaves_the_answer_unchanged_with_one_warning(
    cli: Cli, postgres_url: str
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    answers = []
    for endpoint in (None, dead):
        with ScriptedOpenAIServer(sql_and_docs()) as model:
            env = env_for(model, endpoint or "", postgres_url)
            if endpoint is None:
                env["LANGSMITH_TRACING"] = "false"
            result = cli("ask", QUESTION, "--json", **env)
            assert result.code == 0, result.stderr
            out = result.json()
            answers.append(out["answer"].replace(out["thread_id"], "THREAD"))
            warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert answers[0] == answers[1]
    assert len(warnings) == 1 and "tracing to LangSmith failed" in warnings[0]
    # A refused endpoint is given up at once: nothing is left for LangSmith's exit-time
    # drain to retry and complain about after the answer.
    assert "Failed to" not in result.stderr and "ingest" not in result.stderr
