"""Scripted OpenAI-compatible chat-completions server for offline integration tests."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.testing import Script, fingerprint, role_of, step_of
from tests.servers._http import LoopbackServer, QuietHandler
from tests.servers.openai_wire import build_reply, stream_reply, to_messages
from tests.servers.weak_model import weak_reply

_ERROR_TYPES = {429: "rate_limit_exceeded", 500: "server_error"}


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

    def __init__(
        self,
        script: dict[str, list[Any]],
        *,
        log_path: Path | None = None,
        latency: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        # What a weak model's entries ({"weak": ...}, tests/servers/weak_model.py) draw on.
        self.rng = random.Random(seed)
        # Opt-in: every answered call takes `latency` seconds, as a real model's would.
        self.latency = latency
        self.script = Script(script)
        self.log_path = Path(log_path) if log_path is not None else None
        self._requests: list[dict[str, Any]] = []
        # Called with (role, step) as a request arrives; True drops it unanswered (the test
        # has killed its client): a fault injected on an event, never after a sleep.
        self.on_request: Callable[[str, str], bool] | None = None

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
        if self.on_request is not None and self.on_request(role_of(messages), step_of(messages)):
            dropped = {"role": role_of(messages), "step": step_of(messages), "position": None}
            self._record({**dropped, "repeat": False, "request": request, "status": "dropped"})
            return
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
        if "weak" in entry:
            with self.lock:
                entry = weak_reply(entry, request, self.rng)
        if entry.get("delay") or self.latency:
            self.stopping.wait(float(entry.get("delay") or self.latency))
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
        message, finish, usage = build_reply(role, turn, request, entry)
        record["response"], record["usage"] = message, usage
        self._record(record)
        model = request.get("model", "scripted")
        ident = f"chatcmpl-{role}-{turn}"
        if stream:
            stream_reply(handler, request, ident, model, message, finish, usage)
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
