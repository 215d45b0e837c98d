"""The chat-completions wire format: requests as LangChain messages, replies as JSON and SSE."""

from __future__ import annotations

import json
import time
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from tests.servers._http import QuietHandler


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
            calls, invalid = [], []
            for c in raw.get("tool_calls") or []:
                name, arguments = c["function"]["name"], c["function"].get("arguments") or "{}"
                try:
                    calls.append({"name": name, "args": json.loads(arguments), "id": c.get("id")})
                except json.JSONDecodeError as exc:  # a malformed call the model made earlier
                    invalid.append(
                        {"name": name, "args": arguments, "id": c.get("id"), "error": str(exc)}
                    )
            out.append(AIMessage(content=content, tool_calls=calls, invalid_tool_calls=invalid))
        elif role == "tool":
            out.append(ToolMessage(content, tool_call_id=raw.get("tool_call_id", "")))
    return out


def usage_of(request: dict[str, Any], content: str, tool_calls: list[dict[str, Any]]) -> dict:
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


def build_reply(
    role: str, turn: int, request: dict[str, Any], entry: dict[str, Any]
) -> tuple[dict[str, Any], str, dict[str, int]]:
    """Return the assistant message, finish reason and usage for a scripted reply."""
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
    finish = entry.get("finish") or ("tool_calls" if tool_calls else "stop")
    usage = usage_of(request, content, tool_calls)
    if entry.get("completion_tokens"):
        # A reply cut at the request's max_tokens is billed exactly that many.
        usage["completion_tokens"] = int(entry["completion_tokens"])
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return message, finish, usage


def stream_reply(
    handler: QuietHandler,
    request: dict[str, Any],
    ident: str,
    model: str,
    message: dict[str, Any],
    finish: str,
    usage: dict[str, int],
) -> None:
    """Send a reply as chat-completion SSE chunks ending in data: [DONE]."""
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
            else [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]
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
