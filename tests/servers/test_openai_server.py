"""Self-tests: the scripted OpenAI server with the real openai and langchain-openai clients."""

from __future__ import annotations

import json
import threading
import time

import openai
import pytest
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from graph.testing import role_of
from tests.servers.openai_server import ScriptedOpenAIServer
from tests.servers.openai_wire import to_messages


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


def test_invoke_text_with_usage() -> None:
    with ScriptedOpenAIServer({"default": [{"content": "hello there"}]}) as srv:
        msg = _llm(srv).invoke("hi")
        assert srv.base_url.startswith("http://127.0.0.1:") and srv.base_url.endswith("/v1")
    assert msg.content == "hello there"
    assert msg.response_metadata["finish_reason"] == "stop"
    assert msg.response_metadata["model_name"] == "scripted"
    (rec,) = srv.requests
    assert (rec["role"], rec["position"], rec["stream"], rec["status"]) == (
        "default",
        0,
        False,
        200,
    )
    assert msg.usage_metadata["input_tokens"] == _expected_prompt_tokens(rec["request"])
    assert msg.usage_metadata["output_tokens"] == max(1, len("hello there") // 4)
    assert msg.usage_metadata["total_tokens"] == sum(
        msg.usage_metadata[k] for k in ("input_tokens", "output_tokens")
    )


def test_stream_text_with_usage_in_final_chunk() -> None:
    with ScriptedOpenAIServer({"default": [{"content": "a streamed answer"}]}) as srv:
        chunks = list(_llm(srv, stream_usage=True).stream("hi"))
    assert "".join(c.content for c in chunks) == "a streamed answer"
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1 and with_usage[0].usage_metadata["output_tokens"] >= 1
    rec = srv.requests[0]
    assert rec["stream"] is True
    assert rec["request"]["stream_options"] == {"include_usage": True}


def test_bind_tools_invoke() -> None:
    entry = {"tool_calls": [{"name": "run_sql", "args": {"query": "select 1"}}], "content": ""}
    with ScriptedOpenAIServer({"default": [entry]}) as srv:
        msg = _llm(srv).bind_tools([run_sql]).invoke("count")
    assert msg.tool_calls == [
        {
            "name": "run_sql",
            "args": {"query": "select 1"},
            "id": "call_default_0_0",
            "type": "tool_call",
        }
    ]
    assert msg.response_metadata["finish_reason"] == "tool_calls"
    rec = srv.requests[0]
    assert rec["request"]["tools"][0]["function"]["name"] == "run_sql"
    assert msg.usage_metadata["input_tokens"] == _expected_prompt_tokens(rec["request"])


def test_streaming_tool_calls_with_usage() -> None:
    calls = [
        {"name": "run_sql", "args": {"query": "select 1"}},
        {"name": "run_sql", "args": {"query": "select 2"}},
    ]
    with ScriptedOpenAIServer({"default": [{"tool_calls": calls}]}) as srv:
        llm = _llm(srv, streaming=True, stream_usage=True)
        msg = llm.bind_tools([run_sql]).invoke("two queries")
    assert [c["args"] for c in msg.tool_calls] == [{"query": "select 1"}, {"query": "select 2"}]
    assert [c["id"] for c in msg.tool_calls] == ["call_default_0_0", "call_default_0_1"]
    assert msg.usage_metadata["input_tokens"] > 0 and msg.usage_metadata["output_tokens"] > 0
    assert srv.requests[0]["stream"] is True


def test_structured_output_function_calling_include_raw() -> None:
    entry = {"tool_calls": [{"name": "Plan", "args": {"steps": ["look", "answer"]}}]}
    with ScriptedOpenAIServer({"planner": [entry]}) as srv:
        structured = _llm(srv).with_structured_output(
            Plan, method="function_calling", include_raw=True
        )
        out = structured.invoke([SystemMessage("You are planner."), HumanMessage("go")])
    assert out["parsed"] == Plan(steps=["look", "answer"])
    assert out["parsing_error"] is None
    usage = out["raw"].usage_metadata
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    request = srv.calls_for("planner")[0]["request"]
    assert request["tool_choice"]["function"]["name"] == "Plan"


def test_faults_raise_openai_errors_and_consume_entries() -> None:
    script = {"default": [{"status": 500}, {"status": 429}, {"content": "recovered"}]}
    with ScriptedOpenAIServer(script) as srv:
        llm = _llm(srv)
        # The same request, retried: each fault is played once, then the reply.
        with pytest.raises(openai.InternalServerError):
            llm.invoke("a")
        with pytest.raises(openai.RateLimitError) as info:
            llm.invoke("a")
        assert info.value.response.headers["retry-after"] == "0"
        assert llm.invoke("a").content == "recovered"
        assert llm.invoke("a").content == "recovered"
    assert [r["status"] for r in srv.requests] == [500, 429, 200, 200]
    assert [r["repeat"] for r in srv.requests] == [False, False, False, True]


def test_exhausted_script_is_500_and_recorded() -> None:
    with ScriptedOpenAIServer({"default": []}) as srv:
        with pytest.raises(openai.InternalServerError, match="no reply 1 for role 'default'"):
            _llm(srv).invoke("a")
        with pytest.raises(openai.InternalServerError, match="no reply 1 for role 'ghost'"):
            _llm(srv).invoke([SystemMessage("You are ghost")])
    assert [(r["role"], r["status"]) for r in srv.requests] == [("default", 500), ("ghost", 500)]


def detect_role(request: dict) -> str:
    return role_of(to_messages(request))


def test_role_detection() -> None:
    assert detect_role({"messages": [{"role": "user", "content": "You are x"}]}) == "default"
    assert detect_role({"messages": [{"role": "system", "content": "Be nice"}]}) == "default"
    parts = [{"type": "text", "text": "You are analyst, "}, {"type": "text", "text": "rigorous."}]
    assert detect_role({"messages": [{"role": "developer", "content": parts}]}) == "analyst"
    script = {
        "planner": [{"content": "p0"}, {"content": "p1"}],
        "sql": [{"content": "s0"}],
        "default": [{"content": "d0"}],
    }
    with ScriptedOpenAIServer(script) as srv:
        llm = _llm(srv)
        assert (
            llm.invoke([SystemMessage("You are planner. Plan."), HumanMessage("x")]).content == "p0"
        )
        assert llm.invoke([SystemMessage("You are sql agent"), HumanMessage("x")]).content == "s0"
        assert llm.invoke([SystemMessage("You are planner.")]).content == "p1"
        assert llm.invoke("no system").content == "d0"
    assert [r["position"] for r in srv.calls_for("planner")] == [0, 1]
    assert len(srv.calls_for("sql")) == 1 and len(srv.calls_for("default")) == 1


def test_callable_entry_and_delay() -> None:
    seen: list[list[BaseMessage]] = []

    def answer(messages: list[BaseMessage]) -> dict:
        seen.append(messages)
        return {"content": f"{len(messages)} messages", "delay": 0.2}

    with ScriptedOpenAIServer({"default": [answer]}) as srv:
        start = time.monotonic()
        assert _llm(srv).invoke("hi").content == "1 messages"
        assert time.monotonic() - start >= 0.2
    assert [m.text for m in seen[0]] == ["hi"]


def test_hang_times_out_and_shutdown_is_quick() -> None:
    with ScriptedOpenAIServer({"default": [{"hang": True}, {"hang": True}]}) as srv:
        with pytest.raises(openai.APITimeoutError):
            _llm(srv, timeout=0.3).invoke("a")
        errors: list[BaseException] = []

        def call() -> None:
            try:
                _llm(srv, timeout=30).invoke("b")
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        deadline = time.monotonic() + 5
        while len(srv.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        start = time.monotonic()
    worker.join(timeout=5)
    assert time.monotonic() - start < 3
    assert not worker.is_alive()
    assert isinstance(errors[0], openai.APIConnectionError)


def test_log_path_jsonl(tmp_path) -> None:
    log = tmp_path / "calls.jsonl"
    script = {"default": [{"content": "x"}, {"status": 500}]}
    with ScriptedOpenAIServer(script, log_path=log) as srv:
        _llm(srv).invoke("one")
        with pytest.raises(openai.InternalServerError):
            _llm(srv).invoke("two")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["role"], r["position"], r["status"]) for r in lines] == [
        ("default", 0, 200),
        ("default", 1, 500),
    ]
    assert lines[0]["request"]["messages"][0]["content"] == "one"


def test_models_endpoint_and_raw_openai_client() -> None:
    with ScriptedOpenAIServer({"default": [{"content": "raw"}]}) as srv:
        client = openai.OpenAI(base_url=srv.base_url, api_key="anything", max_retries=0)
        assert [m.id for m in client.models.list()] == ["scripted"]
        resp = client.chat.completions.create(
            model="gpt-x", messages=[{"role": "user", "content": "hi"}]
        )
    assert resp.model == "gpt-x"
    assert resp.choices[0].message.content == "raw"
    assert resp.usage.completion_tokens == 1
