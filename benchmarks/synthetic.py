"""Synthetic specialists of three trivial tools each, and tasks over them, to measure scaling."""

from __future__ import annotations

from langchain_core.tools import BaseTool, tool

from graph.testing.tasks import Step, Task, call
from nodes.specialists.spec import SpecialistSpec

_PROMPT = """You are {name}, a specialist of Orchestra who answers questions about business \
unit {unit} from its ledgers.

Look up orders with {name}_orders, stock with {name}_stock and staffing with {name}_staff. \
Quote the figures the tools return; never estimate a figure you did not look up. Finish with \
a short answer that states the figures and where they came from."""


def _tools_for(name: str) -> list[BaseTool]:
    """Return three lookups over a unit's ledgers."""

    @tool(f"{name}_orders")
    def orders(month: str) -> str:
        """Return the unit's order count and revenue for a month (YYYY-MM)."""
        return f"{name} {month}: {len(month) * 37} orders, revenue {len(month) * 1234}"

    @tool(f"{name}_stock")
    def stock(sku: str) -> str:
        """Return the unit's stock on hand and on order for a product SKU."""
        return f"{name} {sku}: {len(sku) * 11} on hand, {len(sku) * 3} on order"

    @tool(f"{name}_staff")
    def staff(team: str) -> str:
        """Return the unit's head count and open roles for a team."""
        return f"{name} {team}: {len(team) * 2} people, 1 open role"

    return [orders, stock, staff]


def synthetic_team(size: int) -> list[SpecialistSpec]:
    """Return `size` specialists unit_00.. with three tools and a one-line description each."""
    specs = []
    for i in range(size):
        name = f"unit_{i:02d}"
        specs.append(
            SpecialistSpec(
                name=name,
                description=f"Answers questions about business unit {i:02d} from its "
                "ledgers: monthly orders, stock by SKU, staffing by team.",
                prompt=_PROMPT.format(name=name, unit=f"{i:02d}"),
                tools=_tools_for(name),
            )
        )
    return specs


def scaling_tasks() -> list[Task]:
    """Return three tasks over the first three units: one step, two in parallel, a chain."""

    def step(sid: str, unit: int, *deps: str) -> Step:
        name = f"unit_{unit:02d}"
        calls = (call(f"{name}_orders", month="2025-03"), call(f"{name}_stock", sku="SKU-17"))
        return Step(
            sid, name, f"Orders in 2025-03 and stock of SKU-17 in unit {unit:02d}.", calls, deps
        )

    return [
        Task("unit_single", "scaling", "Unit 00's March orders and SKU-17 stock?", (step("a", 0),)),
        Task("unit_parallel", "scaling", "Compare units 00 and 01.", (step("a", 0), step("b", 1))),
        Task(
            "unit_chain",
            "scaling",
            "Unit 01, then unit 02 in its light.",
            (step("a", 1), step("b", 2, "a")),
        ),
    ]
