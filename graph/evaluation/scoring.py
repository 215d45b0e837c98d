"""Scores with no model inside: answer facts, the specialists' trajectory, percentiles, summary.

Trajectories are matched with `agentevals`' trajectory match evaluator (modes strict,
unordered, subset, superset), each specialist used standing for one tool call.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agentevals.trajectory.match import create_trajectory_match_evaluator

from state.dataset import Expect, TrajectoryMode

Score = tuple[float | None, str]
"""A score from 0 to 1 (None when the example expects nothing of that kind) and why."""

_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_MATCHERS = {
    mode: create_trajectory_match_evaluator(
        trajectory_match_mode=mode, tool_args_match_mode="ignore"
    )
    for mode in ("strict", "unordered", "subset", "superset")
}


def numbers_in(text: str) -> list[float]:
    """Return every number written in a text (thousands separators, signs and decimals read)."""
    return [float(m.group().replace(",", "")) for m in _NUMBER.finditer(text)]


def _said(text: str) -> str:
    return " ".join(text.lower().split())


def facts(answer: str, expect: Expect) -> Score:
    """Return the share of expected numbers (within tolerance) and mentions the answer holds."""
    wanted = len(expect.numbers) + len(expect.mentions)
    if not wanted:
        return None, "nothing expected"
    found = numbers_in(answer)
    said = _said(answer)
    missing = [f"{n.value:g}" for n in expect.numbers if not _stated(n.value, n.tolerance, found)]
    missing += [repr(m) for m in expect.mentions if _said(m) not in said]
    score = (wanted - len(missing)) / wanted
    return score, f"missing {', '.join(missing)}" if missing else "all found"


def _stated(value: float, tolerance: float, found: Sequence[float]) -> bool:
    """Return True when a number found is the value, within tolerance.

    A negative value also matches its magnitude: answers say "fell by 19.5%".
    """
    wanted = {value, -value} if value < 0 else {value}
    return any(abs(x - v) <= tolerance + 1e-9 for x in found for v in wanted)


def _as_trajectory(specialists: Sequence[str]) -> list[dict[str, Any]]:
    """Return a trajectory of one assistant message per specialist, each one tool call."""
    return [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": f"{i}", "type": "function", "function": {"name": s, "arguments": "{}"}}
            ],
        }
        for i, s in enumerate(specialists)
    ]


def trajectory(used: Sequence[str], expect: Expect) -> Score:
    """Return 1 when the specialists used match the expected ones under the example's mode."""
    if expect.specialists is None:
        return None, "no specialists expected"
    mode: TrajectoryMode = expect.trajectory
    result = _MATCHERS[mode](
        outputs=_as_trajectory(used), reference_outputs=_as_trajectory(expect.specialists)
    )
    score = float(bool(result["score"]))
    return score, f"{mode}: used {list(used)}, expected {list(expect.specialists)}"


def percentile(values: Iterable[float], share: float) -> float | None:
    """Return the value below which `share` of the values fall (nearest rank), or None."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 4) if present else None


def summarize(results: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return per architecture: mean scores and tokens, seconds p50/p95, failed examples."""
    summary: dict[str, dict[str, Any]] = {}
    for arch in dict.fromkeys(r["architecture"] for r in results):
        mine = [r for r in results if r["architecture"] == arch]
        seconds = [float(r["seconds"]) for r in mine]
        p50, p95 = percentile(seconds, 0.5), percentile(seconds, 0.95)
        summary[arch] = {
            "facts": _mean(r.get("facts") for r in mine),
            "trajectory": _mean(r.get("trajectory") for r in mine),
            "judge": _mean(r.get("judge") for r in mine),
            "tokens": _mean(r.get("tokens") for r in mine),
            "seconds_p50": round(p50, 3) if p50 is not None else None,
            "seconds_p95": round(p95, 3) if p95 is not None else None,
            "failed": sum(r["status"] != "done" for r in mine),
            "examples": len(mine),
        }
    return summary
