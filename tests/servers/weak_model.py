"""A weak model for the scripted OpenAI server: what a small open model does when it misbehaves.

A script entry `{"weak": BEHAVIOUR}` is played against the request itself:

- `plan` (`invent`: the share of steps naming a specialist that does not exist): a Plan
  call whose steps name the menu's specialists or invented ones ('10,11', 'a', 'none',
  'user'). Where the request's schema lists the names (an enum), the server follows the
  schema, as llama.cpp's grammar, vLLM's guided decoding or OpenAI's strict mode do: an
  invented name becomes one of the listed ones.
- `empty`: an answer of whitespace.
- `no_tool_call`: words where a tool call was asked for.
- `runaway`: text that goes on until the request's `max_tokens` stops it (finish reason
  `length`); a request without `max_tokens` is never answered (its time-out ends it). As in
  llama.cpp's Python server, `max_completion_tokens` is not read.
- `wrong_format`: a Plan call whose arguments are not the schema's (steps as one string).
"""

from __future__ import annotations

import random
import re
from typing import Any

INVENTED = ("10,11", "a", "none", "user")
MENU_LINE = re.compile(r"^- (\w+):", re.MULTILINE)
RUNAWAY_WORDS = "and then the sea rose again "


def menu_of(request: dict[str, Any]) -> list[str]:
    """Return the specialists the planner's prompt lists ('- name: description' lines)."""
    system = next(
        (m.get("content") or "" for m in request.get("messages") or [] if m["role"] == "system"),
        "",
    )
    return MENU_LINE.findall(system if isinstance(system, str) else "")


def schema_names(request: dict[str, Any]) -> list[str]:
    """Return the names the Plan tool's schema allows for a step's specialist, if it lists any."""
    for tool in request.get("tools") or []:
        function = tool.get("function") or {}
        if function.get("name") == "Plan":
            steps = function["parameters"]["properties"]["steps"]["items"]["properties"]
            return list(steps["specialist"].get("enum") or [])
    return []


def weak_plan(request: dict[str, Any], rng: random.Random, invent: float) -> dict[str, Any]:
    """Return a Plan call of one or two steps, some naming invented specialists."""
    menu, allowed = menu_of(request) or ["specialist"], schema_names(request)
    steps = []
    for number in range(1, rng.choice((1, 2)) + 1):
        name = rng.choice(INVENTED) if rng.random() < invent else rng.choice(menu)
        if allowed and name not in allowed:
            # Guided decoding: only a listed name can be generated.
            name = rng.choice(allowed)
        objective = f"Find what the request asks, part {number}."
        steps.append({"id": f"s{number}", "specialist": name, "objective": objective})
    return {"tool_calls": [{"name": "Plan", "args": {"steps": steps}}]}


def runaway(request: dict[str, Any]) -> dict[str, Any]:
    """Return text cut by the request's max_tokens, or a hang when it sets none."""
    limit = request.get("max_tokens")
    if not limit:
        return {"hang": True}
    text = (RUNAWAY_WORDS * (int(limit) // 6 + 1))[: int(limit) * 4]
    return {"content": text, "finish": "length", "completion_tokens": int(limit)}


def weak_reply(entry: dict[str, Any], request: dict[str, Any], rng: random.Random) -> dict:
    """Return the scripted reply a weak behaviour gives this request."""
    kind = entry["weak"]
    if kind == "plan":
        return weak_plan(request, rng, float(entry.get("invent", 1.0)))
    if kind == "empty":
        return {"content": " \n "}
    if kind == "no_tool_call":
        return {"content": "I think the sql_analyst should look at the orders."}
    if kind == "runaway":
        return runaway(request)
    if kind == "wrong_format":
        return {"tool_calls": [{"name": "Plan", "args": {"steps": "sql_analyst: the orders"}}]}
    raise ValueError(f"unknown weak behaviour {kind!r}")
