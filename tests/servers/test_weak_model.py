"""The scripted server's weak model, and what the Plan tool's enum does against it."""

from __future__ import annotations

from benchmarks.weak_plans import measure


def test_an_enum_of_the_menu_makes_every_first_plan_of_a_weak_planner_valid() -> None:
    figures = measure(plans=12)
    # The same seeded draws: only the schema differs.
    assert figures["valid_enum"] == 1.0
    assert figures["valid_free_string"] < 0.75
