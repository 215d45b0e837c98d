"""The benchmark, quick: structural outcomes only, never timings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from benchmarks.passes import BenchConfig
from benchmarks.run import run_bench_async

TASKS = ("orders_2024", "north_why", "failed_first_call")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("bench")
    cfg = BenchConfig(repeats=1, latency_repeats=1, latency_s=0.01, sizes=(4, 16), only=TASKS)
    return asyncio.run(run_bench_async(cfg, out, real=False)), out


def test_every_architecture_answers_every_task(results: tuple[dict[str, Any], Path]) -> None:
    data, _ = results
    assert set(data["architectures"]) == {"orchestra", "single_agent", "supervisor"}
    for figures in data["architectures"].values():
        assert figures["answered"] == figures["tasks"] == len(TASKS)


def test_specialist_calls_offer_their_own_tools_while_the_single_agent_offers_all(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    archs = data["architectures"]
    assert archs["orchestra"]["specialist_tools_per_call_max"] <= 3
    assert archs["single_agent"]["tools_per_call_max"] == 7
    single_calls = [
        c for r in data["runs"]["zero"] if r["arch"] == "single_agent" for c in r["calls"]
    ]
    assert {c["tools"] for c in single_calls} == {7}


def test_failed_step_repeats_no_completed_call_in_orchestra(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    rows = [r for r in data["failures"] if r["arch"] == "orchestra"]
    assert rows and all(r["repeated_calls"] == 0 and r["answered"] for r in rows)
    naive = [r for r in data["failures"] if r["recovery"] == "restart"]
    assert naive and all(r["stops"] > 0 for r in naive)


def test_the_benchmark_and_the_ledger_agree_on_usage_to_the_token(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    runs = [r for r in data["runs"]["zero"] if r["arch"] == "orchestra"]
    assert runs
    for run in runs:
        served = [c for c in run["calls"] if c["ok"]]
        assert run["usage"]["llm_calls"] == len(served), run["task"]
        assert run["usage"]["input_tokens"] == sum(c["input_tokens"] for c in served), run["task"]


def test_specialist_prompt_stays_flat_as_the_registry_grows(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    rows = {(r["arch"], r["size"]): r for r in data["scaling"]}
    assert rows["orchestra", 4]["specialist"] == rows["orchestra", 16]["specialist"]
    assert rows["single_agent", 16]["single_agent"] > 3 * rows["single_agent", 4]["single_agent"]
    assert rows["single_agent", 16]["single_agent_tools"] == 48


def test_outputs_are_written(results: tuple[dict[str, Any], Path]) -> None:
    _, out = results
    for name in ("RESULTS.md", "results.json", "scaling.png", "parallel_wall_time.png"):
        assert (out / name).stat().st_size > 0
