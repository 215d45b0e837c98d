"""First plans of a weak model: how many are valid with a free-string Plan tool, and with the enum.

The scripted OpenAI server's weak planner (tests/servers/weak_model.py) names an invented
specialist for half its steps; a server that follows the tool's schema can only produce a
listed name once the schema lists them. The same seeded draws are played against both tools,
through the real OpenAI client and Orchestra's binding; a plan is valid when the validator
(nodes/plan_rules.py) finds nothing wrong with it.
`python -m benchmarks.weak_plans` measures and renders RESULTS.md again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from nodes.plan_request import parsed_plan
from nodes.plan_rules import plan_errors
from nodes.plan_tool import PLAN_TOOL, PlanBinding, plan_result
from nodes.prompts import PLANNER_PROMPT
from nodes.specialists import SAMPLE_TEAM
from nodes.specialists.spec import planner_menu
from state.context import Context

PLANS, SEED, INVENT = 40, 7, 0.5
HEADING = "## A weak model's first plans"


def planner_messages(number: int) -> list[Any]:
    """Return the planner's request for the sample team (one distinct question per number)."""
    prompt = PLANNER_PROMPT.format(menu=planner_menu(SAMPLE_TEAM), max_steps=8)
    return [SystemMessage(prompt), HumanMessage(f"Current request:\nQuestion {number}")]


def valid_share(bind: Any, plans: int, seed: int) -> float:
    """Return the share of first plans the validator accepts, the planner bound by `bind`."""
    from tests.servers.openai_server import ScriptedOpenAIServer

    names = [spec.name for spec in SAMPLE_TEAM]
    script = {"orchestrator": [{"weak": "plan", "invent": INVENT}] * plans}
    valid = 0
    with ScriptedOpenAIServer(script, seed=seed) as server:
        model = ChatOpenAI(
            model="weak", base_url=server.base_url, api_key=SecretStr("sk-local"), max_retries=0
        )
        planner: Runnable[Any, Any] = bind(model, names)
        for number in range(plans):
            plan, _ = parsed_plan(plan_result(planner.invoke(planner_messages(number))))
            valid += plan is not None and not plan_errors(plan, specialists=names, max_steps=8)
    return valid / plans


def measure(plans: int = PLANS, seed: int = SEED) -> dict[str, Any]:
    """Return the share of valid first plans before (a free string) and after (the enum)."""

    def free(model: ChatOpenAI, names: list[str]) -> Runnable[Any, Any]:
        return model.bind_tools([PLAN_TOOL], tool_choice="Plan")

    def listed(model: ChatOpenAI, names: list[str]) -> Runnable[Any, Any]:
        return PlanBinding()(model, names, Context(), [])

    return {
        "plans": plans,
        "invented_share": INVENT,
        "valid_free_string": valid_share(free, plans, seed),
        "valid_enum": valid_share(listed, plans, seed),
    }


def section(figures: dict[str, Any] | None) -> list[str]:
    """Return the RESULTS.md section for the measured figures (none before a measurement)."""
    if not figures:
        return []
    return [
        HEADING,
        "",
        f"{figures['plans']} first plans of the scripted weak planner (half its steps name an "
        "invented specialist), served by a server that follows the Plan tool's schema:",
        "",
        "| Plan tool | valid first plans |",
        "|---|---|",
        f"| `specialist` a free string (before) | {figures['valid_free_string']:.0%} |",
        f"| `specialist` an enum of the menu (now) | {figures['valid_enum']:.0%} |",
    ]


def main() -> int:
    """Measure, keep the figures in results.json, and render RESULTS.md again."""
    from benchmarks import publish

    here = Path(__file__).parent
    data = json.loads((here / "results.json").read_text())
    data["weak_plans"] = measure()
    publish.write(data, here)
    print(json.dumps(data["weak_plans"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
