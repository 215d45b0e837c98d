"""Scores without a model: facts found in an answer, the trajectory's four modes, the summary."""

from __future__ import annotations

import pytest

from graph.evaluation.scoring import facts, numbers_in, percentile, summarize, trajectory
from state.dataset import Expect

NORTH = Expect(
    numbers=[{"value": 7.2, "tolerance": 0.1}, {"value": 2.3, "tolerance": 0.1}],
    mentions=["14 days"],
)


def test_numbers_are_read_as_written_with_separators_signs_and_decimals() -> None:
    text = "6,014 orders; the rate fell from 7.2% to 2.3% (-4.9 points) on 2025-04-01, $194.99."
    assert numbers_in(text) == [6014, 7.2, 2.3, -4.9, 2025, 4, 1, 194.99]


def test_facts_is_the_share_of_numbers_within_tolerance_and_mentions_found() -> None:
    assert facts("North fell from 7.25% to 2.31% after the window went to 14 Days.", NORTH) == (
        1.0,
        "all found",
    )
    score, why = facts("North fell from 7.4% to 2.3%; the window is shorter.", NORTH)
    assert score == pytest.approx(1 / 3)
    assert why == "missing 7.2, '14 days'"
    assert facts("anything", Expect()) == (None, "nothing expected")


def test_a_negative_expected_number_also_matches_its_magnitude() -> None:
    fell = Expect(numbers=[{"value": -19.5, "tolerance": 0.1}])
    assert facts("Outdoor units fell by 19.5%.", fell)[0] == 1.0
    assert facts("Outdoor units changed by -19.5%.", fell)[0] == 1.0
    assert facts("Outdoor units fell by 18%.", fell)[0] == 0.0
    rose = Expect(numbers=[{"value": 19.5}])
    assert facts("Outdoor units changed by -19.5%.", rose)[0] == 0.0


@pytest.mark.parametrize(
    ("mode", "same", "reordered", "fewer", "more"),
    [
        ("strict", 1.0, 0.0, 0.0, 0.0),
        ("unordered", 1.0, 1.0, 0.0, 0.0),
        ("subset", 1.0, 1.0, 1.0, 0.0),
        ("superset", 1.0, 1.0, 0.0, 1.0),
    ],
)
def test_trajectory_matches_the_specialists_used_under_agentevals_modes(
    mode: str, same: float, reordered: float, fewer: float, more: float
) -> None:
    expect = Expect(specialists=["sql_analyst", "doc_researcher"], trajectory=mode)
    assert trajectory(["sql_analyst", "doc_researcher"], expect)[0] == same
    assert trajectory(["doc_researcher", "sql_analyst"], expect)[0] == reordered
    assert trajectory(["sql_analyst"], expect)[0] == fewer
    assert trajectory(["sql_analyst", "doc_researcher", "data_analyst"], expect)[0] == more


def test_no_specialist_expected_means_none_may_be_used_and_none_listed_means_no_score() -> None:
    none_wanted = Expect(specialists=[])
    assert trajectory([], none_wanted)[0] == 1.0
    assert trajectory(["sql_analyst"], none_wanted)[0] == 0.0
    assert trajectory(["sql_analyst"], Expect())[0] is None


def test_summary_averages_scores_per_architecture_and_takes_time_percentiles() -> None:
    def record(arch: str, facts: float | None, seconds: float, status: str = "done") -> dict:
        return {
            "architecture": arch,
            "facts": facts,
            "trajectory": 1.0,
            "judge": None,
            "tokens": 100,
            "seconds": seconds,
            "status": status,
        }

    runs = [record("orchestra", 1.0, s) for s in (1, 2, 3, 4)]
    runs += [record("single", 0.5, 10), record("single", None, 30, "timeout")]
    summary = summarize(runs)
    assert summary["orchestra"] == {
        "facts": 1.0,
        "trajectory": 1.0,
        "judge": None,
        "tokens": 100,
        "seconds_p50": 2,
        "seconds_p95": 4,
        "failed": 0,
        "examples": 4,
    }
    assert summary["single"]["facts"] == 0.5
    assert summary["single"]["failed"] == 1
    assert percentile([], 0.5) is None
