"""Scripted OpenAI-compatible chat-completions server for offline integration tests."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from graph.testing import Script, fingerprint, role_of
from tests.servers._http import LoopbackServer, QuietHandler

_ERROR_TYPES = {429: "rate_limit_exceeded", 500: "server_error"}


def to_messages(request: dict[str, Any]) -> list[BaseMessage]:
    """Return a chat-completions request's messages as LangChain messages."""
    out: list[BaseMessage] = []
    for raw in request.get("messages") or []:
        content = raw.get("content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
        role = raw.get("role")
        if role in ("system", "developer"):
            out.append(SystemMessage(content))
        elif role == "user":
            out.append(HumanMessage(content))
        elif role == "assistant":
            calls = [
                {
                    "name": c["function"]["name"],
                    "args": json.loads(c["function"].get("arguments") or "{}"),
                    "id": c.get("id"),
                    "type": "tool_call",
                }
                for c in raw.get("tool_calls") or []
            ]
            out.append(AIMessage(content=content, tool_calls=calls))
        elif role == "tool":
            out.append(ToolMessage(content, tool_call_id=raw.get("tool_call_id", "")))
    return out


def _usage(request: dict[str, Any], content: str, tool_calls: list[dict[str, Any]]) -> dict:
    """Compute deterministic token counts for a request/response pair."""
    prompt = len(json.dumps((request.get("messages") or []) + (request.get("tools") or []))) // 4
    completion = max(1, len(content + (json.dumps(tool_calls) if tool_calls else "")) // 4)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _split(text: str, parts: int = 3) -> list[str]:
    """Split text into up to `parts` non-empty pieces."""
    if not text:
        return []
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)]


class _Handler(QuietHandler):
    """Routes requests to the owning ScriptedOpenAIServer."""

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            data = [{"id": "scripted", "object": "model", "created": 0, "owned_by": "tests"}]
            self.send_bytes(200, json.dumps({"object": "list", "data": data}).encode())
        else:
            self.send_bytes(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:
        body = self.read_body()
        if not self.path.split("?")[0].endswith("/chat/completions"):
            self.send_bytes(404, b'{"error": {"message": "not found"}}')
            return
        try:
            self.server.owner.handle_chat(self, json.loads(body or b"{}"))  # type: ignore[attr-defined]
        except Exception as exc:  # surface script bugs as a 500 instead of a dropped socket
            error = {
                "error": {"message": f"scripted server error: {exc!r}", "type": "server_error"}
            }
            self.send_bytes(500, json.dumps(error).encode())


class ScriptedOpenAIServer(LoopbackServer):
    """Replays per-role scripted answers on an OpenAI-compatible /v1/chat/completions."""

    handler_class = _Handler

    def __init__(self, script: dict[str, list[Any]], *, log_path: Path | None = None) -> None:
        super().__init__()
        self.script = Script(script)
        self.log_path = Path(log_path) if log_path is not None else None
        self._requests: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        """Return the OpenAI base URL (ending in /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Return a snapshot of all recorded chat requests."""
        with self.lock:
            return list(self._requests)

    def calls_for(self, role: str) -> list[dict[str, Any]]:
        """Return the recorded requests made by one role."""
        return [r for r in self.requests if r["role"] == role]

    def _record(self, record: dict[str, Any]) -> None:
        """Store a request record and append it to the JSONL log if configured."""
        with self.lock:
            self._requests.append(record)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record, default=str) + "\n")

    @property
    def repeats(self) -> list[dict[str, Any]]:
        """Return the requests answered once already: a repeated model call."""
        return [r for r in self.requests if r.get("repeat")]

    def handle_chat(self, handler: QuietHandler, request: dict[str, Any]) -> None:
        """Answer one chat-completions request from the script, by what it holds."""
        messages = to_messages(request)
        tools = [t["function"]["name"] for t in request.get("tools") or []]
        try:
            choice = self.script.choose(messages, fingerprint(messages, tools))
        except RuntimeError as exc:
            record = {"role": role_of(messages), "request": request, "status": 500}
            self._record({**record, "stream": False})
            self._send_error(handler, 500, str(exc))
            return
        role, turn, entry = choice.role, choice.position, choice.entry
        stream = bool(request.get("stream"))
        record: dict[str, Any] = {
            "role": role,
            "step": choice.step,
            "position": turn,
            "repeat": choice.repeat,
            "request": request,
            "stream": stream,
        }
        if callable(entry):
            entry = entry(messages)
        if entry.get("delay"):
            self.stopping.wait(float(entry["delay"]))
        if entry.get("hang"):
            record["status"] = None
            self._record(record)
            self.stopping.wait()
            return
        status = int(entry.get("status", 200))
        record["status"] = status
        if status != 200:
            self._record(record)
            self._send_error(handler, status, entry.get("message", f"scripted fault {status}"))
            return
        message, finish, usage = self._build(role, turn, request, entry)
        record["response"] = message
        self._record(record)
        model = request.get("model", "scripted")
        ident = f"chatcmpl-{role}-{turn}"
        if stream:
            self._send_stream(handler, request, ident, model, message, finish, usage)
            return
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        payload = {
            "id": ident,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [choice],
            "usage": usage,
        }
        handler.send_bytes(200, json.dumps(payload).encode())

    @staticmethod
    def _build(
        role: str, turn: int, request: dict[str, Any], entry: dict[str, Any]
    ) -> tuple[dict[str, Any], str, dict[str, int]]:
        """Build the assistant message, finish reason and usage for an entry."""
        content = entry.get("content") or ""
        tool_calls = [
            {
                "id": call.get("id") or f"call_{role}_{turn}_{i}",
                "type": "function",
                "function": {
                    "name": call["name"],
                    "arguments": call["args"]
                    if isinstance(call.get("args"), str)
                    else json.dumps(call.get("args") or {}),
                },
            }
            for i, call in enumerate(entry.get("tool_calls") or [])
        ]
        message: dict[str, Any] = {"role": "assistant", "content": content or None}
        if tool_calls:
            message["tool_calls"] = tool_calls
        else:
            message["content"] = content
        finish = "tool_calls" if tool_calls else "stop"
        return message, finish, _usage(request, content, tool_calls)

    @staticmethod
    def _send_error(handler: QuietHandler, status: int, text: str) -> None:
        """Send an OpenAI-style JSON error body."""
        error = {
            "message": text,
            "type": _ERROR_TYPES.get(status, "api_error"),
            "param": None,
            "code": _ERROR_TYPES.get(status),
        }
        headers = {"retry-after": "0"} if status == 429 else {}
        handler.send_bytes(status, json.dumps({"error": error}).encode(), headers=headers)

    @staticmethod
    def _send_stream(
        handler: QuietHandler,
        request: dict[str, Any],
        ident: str,
        model: str,
        message: dict[str, Any],
        finish: str,
        usage: dict[str, int],
    ) -> None:
        """Send the answer as SSE chunks terminated by data: [DONE]."""
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        created = int(time.time())

        def chunk(delta: dict[str, Any] | None, finish_reason: str | None = None) -> bytes:
            data: dict[str, Any] = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
            }
            data["choices"] = (
                []
                if delta is None
                else [
                    {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
                ]
            )
            data["usage"] = usage if delta is None else None
            return b"data: " + json.dumps(data).encode() + b"\n\n"

        out = [chunk({"role": "assistant", "content": ""})]
        out += [chunk({"content": piece}) for piece in _split(message.get("content") or "")]
        for i, call in enumerate(message.get("tool_calls") or []):
            head = {
                "index": i,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            out.append(chunk({"tool_calls": [head]}))
            for piece in _split(call["function"]["arguments"], 2):
                out.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
        out.append(chunk({}, finish))
        if include_usage:
            out.append(chunk(None))
        out.append(b"data: [DONE]\n\n")
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.end_headers()
        for piece in out:
            handler.wfile.write(piece)
            handler.wfile.flush()
