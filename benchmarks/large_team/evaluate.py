"""Menu selection on the generated team: planner prompt, recall@k and time, per team size."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from graph.testing import estimate_tokens
from nodes.menu import Menu
from nodes.plan_tool import plan_tool
from nodes.prompts import PLANNER_PROMPT, PLANNER_REQUEST
from nodes.specialists.spec import SpecialistSpec
from state.context import Context

HERE = Path(__file__).parent
SIZES = (8, 64, 256)


def _stub(name: str, description: str) -> BaseTool:
    """Return a tool that only has a name and a description (selection reads no more)."""
    return StructuredTool.from_function(func=lambda: "", name=name, description=description)


def load_team(size: int) -> list[SpecialistSpec]:
    """Return the first `size` specialists of the generated team."""
    raw = json.loads((HERE / "team.json").read_text())[:size]
    return [
        SpecialistSpec(
            name=s["name"],
            description=s["description"],
            prompt=f"You are {s['name']}.",
            tools=[_stub(t["name"], t["description"]) for t in s["tools"]],
        )
        for s in raw
    ]


def held_out(size: int) -> list[dict[str, Any]]:
    """Return the test split's requests whose specialists are all in the first `size`."""
    team = {s["name"] for s in json.loads((HERE / "team.json").read_text())[:size]}
    return [
        r
        for r in json.loads((HERE / "requests.json").read_text())
        if r["split"] == "test" and set(r["labels"]) <= team
    ]


def planner_tokens(menu: Menu, choice: Any, request: str, ctx: Context) -> int:
    """Return the planner's prompt tokens for a request: system, request, the Plan schema."""
    system = PLANNER_PROMPT.format(menu=menu.render(choice), max_steps=ctx.max_steps)
    human = PLANNER_REQUEST.format(
        memories="", history="", reports="", ledger="", request=request, repair=""
    )
    schema = json.dumps(plan_tool(None))  # no memories shown: the tool without them
    return estimate_tokens(system) + estimate_tokens(human) + estimate_tokens(schema)


def evaluate(size: int, ctx: Context | None = None) -> dict[str, Any]:
    """Return prompt tokens, recall@k of the labelled specialists, and selection time."""
    ctx = ctx or Context()
    menu = Menu(load_team(size))
    requests = held_out(size)
    menu.choose("warm up the index", ctx)
    found = wanted = 0
    tokens: list[int] = []
    ms: list[float] = []
    for r in requests:
        started = time.perf_counter()
        choice = menu.choose(r["request"], ctx)
        ms.append((time.perf_counter() - started) * 1000)
        found += len(set(r["labels"]) & set(choice.names))
        wanted += len(r["labels"])
        tokens.append(planner_tokens(menu, choice, r["request"], ctx))
    ms.sort()
    return {
        "size": size,
        "requests": len(requests),
        "k": ctx.menu_size if size > ctx.menu_threshold else size,
        "recall": round(found / wanted, 3) if wanted else None,
        "planner_tokens_median": statistics.median(tokens) if tokens else None,
        "selection_ms_median": round(statistics.median(ms), 3) if ms else None,
        "selection_ms_p95": round(ms[int(0.95 * (len(ms) - 1))], 3) if ms else None,
    }


def evaluate_all() -> list[dict[str, Any]]:
    """Return the figures for 8, 64 and 256 specialists."""
    return [evaluate(size) for size in SIZES]


if __name__ == "__main__":
    for row in evaluate_all():
        print(row)
