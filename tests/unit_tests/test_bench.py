"""The benchmark on small settings: its structural outcomes and claimed shapes, never timings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from benchmarks.passes import BenchConfig
from benchmarks.run import run_bench_async

# One worker runs the module, so the benchmark below runs once per session.
pytestmark = pytest.mark.xdist_group("bench")

TASKS = ("orders_2024", "north_why", "failed_first_call", "failed_mid_step")
FAILURES = {"failed_first_call", "failed_mid_step"}
SMALL = BenchConfig(
    repeats=1,
    latency_repeats=1,
    latency_s=0.01,
    sizes=(4, 16),
    only=TASKS,
    long_turns=3,
    listed_threads=2,
    delegation_runs=1,
    delegation_warm_ups=0,
    profile=False,
    auth_requests=0,
    memory_examples=2,
    memory_count=0,
    read_turns=2,
    read_runs=1,
)
# The targets that count tokens, calls or labels: they hold on any machine at any size.
# (Timings — overhead, parallel wall time, per delegation, selection and listing time — and
# the long thread's growth, which needs its 50 turns, are left to `make bench`.)
STRUCTURAL = {
    "zero completed model calls repeated after a failure",
    "specialist prompt flat as specialists are added",
    "planner grows by one description line per specialist",
    "planner prompt with 64 specialists ≤ 1.2 × with 8",
    "planner prompt with 256 specialists ≤ 1.2 × with 8",
    "recall@k of the labelled specialists, 64 specialists ≥ 0.95",
    "recall@k of the labelled specialists, 256 specialists ≥ 0.9",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("bench")
    return asyncio.run(run_bench_async(SMALL, out, real=False)), out


def test_every_architecture_answers_every_task_correctly(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    assert set(data["architectures"]) == {"orchestra", "single_agent", "supervisor"}
    for figures in data["architectures"].values():
        assert figures["answered"] == figures["tasks"] == len(TASKS)
    # Each run's answer held the task's phrases and the database's own row (runner.answered).
    done = {(r["arch"], r["task"]) for r in data["runs"]["zero"] if r["answered"]}
    assert done == {(a, t) for a in data["architectures"] for t in TASKS}


def test_after_a_failed_step_orchestra_repeats_no_completed_call_and_restarts_do(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    rows = {(r["task"], r["arch"], r["recovery"]): r for r in data["failures"]}
    for task in FAILURES:
        ours = rows[task, "orchestra", "resume"]
        assert ours["failed_calls"] > 0, ours  # the fault was injected
        assert ours["repeated_calls"] == 0 and ours["answered"], ours
    # The naive retry the benchmark compares against stops and makes completed calls again.
    naive = [r for r in data["failures"] if r["recovery"] == "restart"]
    assert {r["task"] for r in naive} == FAILURES
    assert all(r["stops"] > 0 and r["repeated_calls"] > 0 and r["answered"] for r in naive)


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


def test_the_benchmark_and_the_ledger_agree_on_usage_to_the_token(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    runs = [r for r in data["runs"]["zero"] if r["arch"] == "orchestra"]
    assert {r["task"] for r in runs} == set(TASKS)
    for run in runs:
        served = [c for c in run["calls"] if c["ok"]]
        # Every request counts as a call, the failed ones too; tokens are the replies'.
        assert run["usage"]["llm_calls"] == len(run["calls"]), run["task"]
        assert run["usage"]["input_tokens"] == sum(c["input_tokens"] for c in served), run["task"]


def test_specialist_prompt_stays_flat_as_the_registry_grows(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    rows = {(r["arch"], r["size"]): r for r in data["scaling"]}
    assert rows["orchestra", 4]["specialist"] == rows["orchestra", 16]["specialist"]
    assert rows["single_agent", 16]["single_agent"] > 3 * rows["single_agent", 4]["single_agent"]
    assert rows["single_agent", 16]["single_agent_tools"] == 48


def test_the_structural_targets_the_benchmark_claims_pass(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, _ = results
    verdicts = {t["target"]: t["pass"] for t in data["targets"]}
    assert STRUCTURAL <= set(verdicts), STRUCTURAL - set(verdicts)
    assert {t: verdicts[t] for t in STRUCTURAL} == dict.fromkeys(STRUCTURAL, True)


def test_reads_are_timed_against_help_on_each_back_end(
    results: tuple[dict[str, Any], Path],
) -> None:
    data, out = results
    rows = data["reads"]["rows"]
    assert [r["store"] for r in rows][:1] == ["SQLite"]
    for row in rows:
        assert row["turns"] == 2 and row["help_s"] > 0
        assert row["show_over_help_s"] == pytest.approx(row["show_s"] - row["help_s"], abs=1e-3)
    targets = [t["target"] for t in data["targets"] if "over `--help`" in t["target"]]
    assert len(targets) == 2 * len(rows)
    assert "## Reads: `show` and `threads` against `--help`" in (out / "RESULTS.md").read_text()


def test_outputs_are_written(results: tuple[dict[str, Any], Path]) -> None:
    _, out = results
    for name in ("RESULTS.md", "results.json", "scaling.png", "parallel_wall_time.png"):
        assert (out / name).stat().st_size > 0


@pytest.mark.parametrize("subgraphs", [False, True])
def test_the_langgraph_floor_does_the_work_orchestra_is_timed_against(subgraphs: bool) -> None:
    """A floor that skipped a call would make every ratio against it a flattering lie."""
    from langchain_core.messages import HumanMessage

    from benchmarks.delegation import QUESTION, delegation_model
    from benchmarks.floor import lean_orchestrator

    model = delegation_model()
    graph = lean_orchestrator(model, subgraphs=subgraphs, review=subgraphs)
    config = {"configurable": {"thread_id": "floor"}}
    out = asyncio.run(graph.ainvoke({"messages": [HumanMessage(QUESTION)]}, config))
    assert out["messages"][-1].text == "Both figures: 1 and 1."
    assert out["answers"] == ["figure 1", "figure 1"]
    roles = [c.role for c in model.calls]
    assert sorted(roles) == ["alpha", "alpha", "beta", "beta", "orchestrator", "orchestrator"]
    # Each worker's tool call ran once, between its two model calls.
    tool_results = [m for c in model.calls_for("alpha") for m in c.messages if m.type == "tool"]
    assert [m.name for m in tool_results] == ["noop_read"]
