"""Self-tests: the LangSmith capture server works with the real langsmith client."""

from __future__ import annotations

import json
import time
import uuid

import langsmith
import pytest
from langchain_openai import ChatOpenAI
from langsmith import traceable, tracing_context
from langsmith import utils as ls_utils
from pydantic import BaseModel

from tests.servers.langsmith_server import LangSmithCaptureServer
from tests.servers.openai_server import ScriptedOpenAIServer


class Plan(BaseModel):
    """A plan."""

    steps: list[str]


def run_sql(query: str) -> str:
    """Run a SQL query."""
    return query


def _llm(srv: ScriptedOpenAIServer, **kwargs) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=srv.base_url, api_key="sk-test", model="scripted", max_retries=0, **kwargs
    )


def _expected_prompt_tokens(request: dict) -> int:
    return len(json.dumps(request["messages"] + request.get("tools", []))) // 4


@pytest.fixture
def ls_env(monkeypatch):
    """Point LangSmith env at a capture server; clear the client's env caches."""

    def setup(srv: LangSmithCaptureServer) -> langsmith.Client:
        monkeypatch.setenv("LANGSMITH_ENDPOINT", srv.url)
        monkeypatch.setenv("LANGSMITH_API_KEY", "ls-test-key")
        monkeypatch.setenv("LANGSMITH_TRACING", "true")
        monkeypatch.setenv("LANGSMITH_PROJECT", "test")
        ls_utils.get_env_var.cache_clear()
        ls_utils.get_tracer_project.cache_clear()
        return langsmith.Client(api_url=srv.url, api_key="ls-test-key")

    yield setup
    ls_utils.get_env_var.cache_clear()
    ls_utils.get_tracer_project.cache_clear()


@traceable(name="child_step")
def _child(x: int) -> int:
    return x * 2


@traceable(name="parent_step")
def _parent(x: int, note: str) -> int:
    return _child(x) + 1


def _both_finished(runs: dict) -> bool:
    names = {r.get("name"): r for r in runs.values()}
    return all(names.get(n, {}).get("end_time") for n in ("parent_step", "child_step"))


@pytest.mark.parametrize(
    ("zstd", "multipart", "endpoint"),
    [
        (True, True, "/runs/multipart"),
        (False, True, "/runs/multipart"),
        (False, False, "/runs/batch"),
    ],
)
def test_langsmith_traceable_nested_runs(ls_env, zstd, multipart, endpoint) -> None:
    with LangSmithCaptureServer(zstd=zstd, multipart=multipart) as srv:
        client = ls_env(srv)
        if zstd and multipart:  # the client enables compression asynchronously after GET /info
            deadline = time.monotonic() + 5
            while client.compressed_traces is None and time.monotonic() < deadline:
                time.sleep(0.02)
        with tracing_context(client=client, enabled=True):
            assert _parent(3, note="needle-7f3a") == 7
        client.flush()
        runs = srv.wait_for_runs(_both_finished, timeout=10)
    by_name = {r["name"]: r for r in runs.values()}
    parent, child = by_name["parent_step"], by_name["child_step"]
    assert child["parent_run_id"] == parent["id"]
    assert child["trace_id"] == parent["trace_id"] == parent["id"]
    assert child["dotted_order"].startswith(parent["dotted_order"] + ".")
    assert parent["inputs"] == {"x": 3, "note": "needle-7f3a"}
    assert parent["outputs"] == {"output": 7}
    assert child["inputs"] == {"x": 3} and child["outputs"] == {"output": 6}
    assert parent["session_name"] == "test"
    paths = [(r["method"], r["path"]) for r in srv.requests]
    assert ("GET", "/info") in paths and ("POST", endpoint) in paths
    encodings = {r["headers"].get("content-encoding") for r in srv.requests}
    assert ("zstd" in encodings) == (zstd and multipart)
    assert any(b"needle-7f3a" in body for body in srv.raw_bodies)
    assert all(r["headers"].get("x-api-key") == "ls-test-key" for r in srv.requests[1:])


def test_langsmith_unbatched_create_and_update(ls_env) -> None:
    with LangSmithCaptureServer() as srv:
        client = ls_env(srv)
        unbatched = langsmith.Client(
            api_url=srv.url, api_key="ls-test-key", auto_batch_tracing=False
        )
        with tracing_context(client=unbatched, enabled=True):
            assert _parent(1, note="n") == 3
        runs = srv.wait_for_runs(_both_finished, timeout=10)
        client.flush()
    calls = [(r["method"], r["path"]) for r in srv.requests]
    assert calls.count(("POST", "/runs")) == 2
    assert sorted(p for m, p in calls if m == "PATCH") == sorted(f"/runs/{i}" for i in runs)
    by_name = {r["name"]: r for r in runs.values()}
    assert by_name["child_step"]["parent_run_id"] == by_name["parent_step"]["id"]
    assert by_name["parent_step"]["outputs"] == {"output": 3}


def test_langsmith_unknown_endpoint_answers_ok() -> None:
    with LangSmithCaptureServer() as srv:
        client = langsmith.Client(api_url=srv.url, api_key="ls-test-key")
        response = client.request_with_retries("GET", "/sessions/whatever")
        assert response.status_code == 200
        assert ("GET", "/sessions/whatever") in [(r["method"], r["path"]) for r in srv.requests]


def test_langsmith_datasets_examples_and_experiments_work_with_the_real_client() -> None:
    with LangSmithCaptureServer() as srv:
        client = langsmith.Client(api_url=srv.url, api_key="ls-test-key")
        assert not client.has_dataset(dataset_name="qa")
        dataset = client.create_dataset("qa")
        assert client.read_dataset(dataset_name="qa").id == dataset.id
        ids = [str(uuid.uuid4()) for _ in range(2)]
        examples = [{"id": i, "inputs": {"q": i}, "outputs": {"a": 1}} for i in ids]
        client.create_examples(dataset_id=dataset.id, examples=examples)
        with pytest.raises(ls_utils.LangSmithError, match="409"):
            client.create_examples(dataset_id=dataset.id, examples=examples[:1])
        client.update_examples(dataset_id=dataset.id, updates=[{"id": ids[0], "outputs": {"a": 2}}])
        listed = {str(e.id): e.outputs for e in client.list_examples(dataset_id=dataset.id)}
        assert listed == {ids[0]: {"a": 2}, ids[1]: {"a": 1}}
        experiment = client.create_project("run-1", reference_dataset_id=dataset.id)
        assert client.read_project(project_name="run-1").id == experiment.id
        assert [e["name"] for e in srv.experiments] == ["run-1"]
        assert [len(d["examples"]) for d in srv.datasets] == [2]
