"""`orchestra eval` through the command: the sample offline in three architectures, --out,
bad datasets refused before any model call, a judge on its own role, Ctrl-C keeping work."""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from graph.testing import plan
from tests.integration_tests.conftest import Cli, InProcessCli, model_env, wait_for
from tests.servers.openai_server import ScriptedOpenAIServer

ARCHS = ("orchestra", "single", "supervisor")
# Model calls per example, counted by hand from the stand-in's plays: Orchestra makes a plan,
# each step's tool calls and summary, and the answer (2 + tools + steps per turn), and the
# memory call after a turn whose message says more than a question (the greeting, the
# report); the single agent its tool calls and the answer (tools + 1); the supervisor a
# handoff per step, each worker's tool calls and summary, and the answer (tools + 2 x steps
# + 1).
CALLS = {
    "greeting": (3, 1, 1),
    "orders-2024": (5, 3, 5),
    "north-why": (7, 4, 8),
    "north-report": (10, 5, 11),
    "follow-up-north": (8, 4, 8),
}


def by_id(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["id"], r["architecture"]): r for r in report["examples"]}


def test_eval_sample_runs_offline_in_three_architectures_with_hand_checked_scores(
    cli_here: InProcessCli, isolated_env: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = cli_here("eval", "--sample", "--json", "--architecture", *ARCHS, "--out", str(out))
    assert result.code == 0, result.stderr
    assert "SCRIPTED STAND-IN" in result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"dataset", "examples", "summary"}
    assert report["dataset"] == str(isolated_env / "sample" / "eval.jsonl")
    records = by_id(report)
    for arch in ARCHS:
        summary = report["summary"][arch]
        scores = [summary[k] for k in ("facts", "trajectory", "judge", "failed", "examples")]
        assert scores == [1.0, 1.0, None, 0, 26]
        tokens = [r["tokens"] for (_, a), r in records.items() if a == arch]
        assert summary["tokens"] == round(sum(tokens) / len(tokens), 4)
        assert 0 < summary["seconds_p50"] <= summary["seconds_p95"]
    assert len(records) == 26 * 3
    for (_, arch), record in records.items():
        assert record["status"] == "done", record
        assert record["facts"] in (1.0, None) and record["trajectory"] == 1.0, record
        assert record["tokens"] == record["input_tokens"] + record["output_tokens"] > 0
        assert record["steps_failed"] == (0 if arch == "orchestra" else None)
    for example, calls in CALLS.items():
        assert tuple(records[example, a]["calls"] for a in ARCHS) == calls, example
    assert {records["greeting", a]["specialists"] == [] for a in ARCHS} == {True}
    assert records["greeting", "orchestra"]["facts"] is None
    for arch in ARCHS:
        report_run = records["north-report", arch]
        assert report_run["specialists"] == ["sql_analyst", "doc_researcher", "report_writer"]
        # Approved by the example's policy (approve: all): the report file was written.
        assert list((isolated_env / "runs" / report_run["thread_id"]).rglob("report.md"))
    # The ground truth is the database's, whatever the documents say.
    con = sqlite3.connect(isolated_env / "sample" / "business.db")
    [(orders,)] = con.execute("SELECT COUNT(*) FROM orders WHERE order_date LIKE '2024-%'")
    [(tent, listed)] = con.execute(
        "SELECT name, list_price FROM products WHERE category_id = 1 ORDER BY product_id LIMIT 1"
    )
    [(paid,)] = con.execute(
        "SELECT DISTINCT l.unit_price FROM order_lines l JOIN orders o USING (order_id) "
        "JOIN products p USING (product_id) WHERE p.name = ? AND o.order_date < '2025-01-01'",
        (tent,),
    )
    dataset = {
        e["id"]: e for e in map(json.loads, Path(report["dataset"]).read_text().splitlines())
    }
    assert f"${listed:.2f}" in dataset["list-price-vs-paid"]["question"]
    assert dataset["list-price-vs-paid"]["expect"]["numbers"][0]["value"] == paid != listed
    for arch in ARCHS:
        assert str(orders) in records["orders-2024", arch]["answer"]
        assert str(paid) in records["list-price-vs-paid", arch]["answer"]
    # --out holds the same numbers, a chart per score and architecture, and the page.
    written = json.loads((out / "results.json").read_text())
    assert written["summary"] == report["summary"]
    assert by_id(written) == records
    for score in ("facts", "trajectory", "tokens", "seconds"):
        for arch in ARCHS:
            assert (out / f"{score}-{arch}.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(out.glob("judge-*.png"))
    page = (out / "report.html").read_text()
    assert all(f"<td>{a}</td>" in page for a in ARCHS)
    assert all(f"<td>{e}</td>" in page for e in dataset)


def test_a_malformed_dataset_line_exits_2_naming_the_line_before_any_model_call(
    cli_here: InProcessCli, tmp_path: Path
) -> None:
    good = json.dumps({"id": "ok", "question": "How many orders in 2024?"})
    bad = json.dumps({"id": "bad", "question": "q", "expect": {"numbers": [{"value": "x"}]}})
    unknown = json.dumps({"id": "who", "question": "q", "expect": {"specialists": ["oracle"]}})
    with ScriptedOpenAIServer({}) as server:
        path = tmp_path / "data.jsonl"
        path.write_text(f"{good}\n{bad}\n")
        result = cli_here("eval", str(path), "--json", **model_env(server))
        assert result.code == 2
        assert result.stdout == ""
        assert result.stderr.strip().splitlines() == [
            f"orchestra: error: {path}:2: example 'bad': `expect.numbers.0.value`: "
            "Input should be a valid number, unable to parse string as a number"
        ]
        path.write_text(f"{good}\n\n{unknown}\n")
        result = cli_here("eval", str(path), **model_env(server))
        assert result.code == 2
        assert f"{path}:3: example 'who': no specialist named oracle in the team" in result.stderr
        assert server.requests == []


def test_eval_of_your_own_dataset_needs_a_model_and_says_how(
    cli_here: InProcessCli, tmp_path: Path
) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"id": "ok", "question": "How many orders?"}) + "\n")
    result = cli_here("eval", str(path))
    assert result.code == 2
    assert "no model configured for role 'orchestrator': set ORCHESTRA_MODEL" in result.stderr


def test_the_supervisor_without_its_package_exits_2_saying_what_to_install(
    cli_here: InProcessCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "langgraph_supervisor", None)
    result = cli_here("eval", "--sample", "--architecture", "orchestra", "supervisor")
    assert result.code == 2
    [line] = result.stderr.strip().splitlines()
    assert "needs langgraph-supervisor" in line and "pip install 'orchestra[eval]'" in line


def judge(messages: list[BaseMessage]) -> dict[str, Any]:
    """Grade every answer 0.75, reasoning as openevals asks."""
    reasoning = "The figures match the reference. Thus, the score should be: 0.75."
    return {"content": json.dumps({"reasoning": reasoning, "score": 0.75})}


def test_the_judge_scores_only_with_a_model_of_its_own_role(
    cli_here: InProcessCli, isolated_env: Path
) -> None:
    with ScriptedOpenAIServer({"default": judge}) as server:
        env = {"ORCHESTRA_MODEL_JUDGE": "openai:judge-model", **model_env(server)}
        env.pop("ORCHESTRA_MODEL")
        result = cli_here("eval", "--sample", "--limit", "2", "--json", **env)
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [r["judge"] for r in report["examples"]] == [0.75, 0.75]
    assert report["summary"]["orchestra"]["judge"] == 0.75
    assert report["examples"][0]["comments"]["judge"].endswith("the score should be: 0.75.")
    # openevals' correctness prompt, with the reference written from the expected figures.
    asked = [r["request"]["messages"][-1]["content"] for r in server.requests]
    assert len(asked) == 2
    assert all("evaluating model outputs for correctness" in a for a in asked)
    con = sqlite3.connect(isolated_env / "sample" / "business.db")
    for year in ("2024", "2025"):
        [(orders,)] = con.execute(
            "SELECT COUNT(*) FROM orders WHERE order_date LIKE ?", (f"{year}-%",)
        )
        reference = f"<reference_outputs>\nStates these figures: {orders}.\n</reference_outputs>"
        assert sum(reference in a for a in asked) == 1


def orchestrate(messages: list[BaseMessage]) -> dict[str, Any]:
    """Answer the first question at once; hang on the second's plan."""
    if "the planner" in messages[0].text:
        return {"hang": True} if "second" in messages[-1].text else plan()
    return {"content": "The first answer is 42."}


def test_ctrl_c_keeps_the_finished_examples_in_out(cli: Cli, tmp_path: Path) -> None:
    path, out = tmp_path / "data.jsonl", tmp_path / "out"
    lines = [
        {"id": "first", "question": "The first question?", "expect": {"numbers": [{"value": 42}]}},
        {"id": "second", "question": "The second question?"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with ScriptedOpenAIServer({"orchestrator": orchestrate}) as server:
        proc = cli.start(
            "eval", str(path), "--concurrency", "1", "--out", str(out), **model_env(server)
        )
        wait_for(lambda: (out / "results.json").exists() and len(server.requests) == 3)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted: 1 of 2 runs finished" in stderr
    kept = json.loads((out / "results.json").read_text())
    assert kept["interrupted"] is True
    assert [(r["id"], r["status"], r["facts"]) for r in kept["examples"]] == [
        ("first", "done", 1.0)
    ]
    assert kept["summary"]["orchestra"]["examples"] == 1
    assert "Interrupted" in (out / "report.html").read_text()
