"""The evaluation runner in process: scores that move with the answer and the plan, failures
and time-outs recorded while the rest go on, concurrency held to its bound."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from graph.evaluation.contenders import Outcome, contenders
from graph.evaluation.runner import Evaluation, Limits
from graph.evaluation.sample_dataset import write_sample_dataset
from graph.testing.playbook import Playbook
from graph.testing.policy_model import PolicyModel
from graph.testing.sample_plays import sample_tasks
from graph.testing.tasks import ANSWER, Fault, Task, doc
from nodes.specialists.team import load_team
from state.context import Context
from state.dataset import Example, load_dataset
from state.settings import Settings
from tools.sample import ensure_sample
from tools.sample_queries import POLICY

WRONG_ANSWER = "North's return rate went from 9.9% to 8.8%; nothing changed in its policy."


def sample_examples(home: Path, *ids: str) -> list[Example]:
    examples = load_dataset(write_sample_dataset(ensure_sample(home)))
    return [e for e in examples if e.id in ids]


def run(
    examples: list[Example], tasks: list[Task], archs: tuple[str, ...], **limits: Any
) -> list[dict[str, Any]]:
    model = PolicyModel(script={})
    model.use(Playbook(tasks))
    team = load_team(Settings().team)
    built = contenders(archs, {"default": model}, team.specs(), team.guardrails, Context())
    evaluation = Evaluation(examples, built, limits=Limits(**limits))
    return asyncio.run(evaluation.run())


def by(records: list[dict[str, Any]], example: str, arch: str) -> dict[str, Any]:
    return next(r for r in records if r["id"] == example and r["architecture"] == arch)


def test_a_wrong_answer_scores_lower_on_facts_and_a_wrong_plan_lower_on_trajectory(
    isolated_env: Path,
) -> None:
    examples = sample_examples(isolated_env, "north-why", "orders-2024")
    right = sample_tasks(examples)
    north = next(t for t in right if t.name == "north-why")
    count = next(t for t in right if t.name == "orders-2024")
    # The same plan with a made-up answer; the same answer's question planned to the wrong
    # specialist (the documents instead of the database).
    lying = dataclasses.replace(north, answer=WRONG_ANSWER)
    misplanned = dataclasses.replace(
        count,
        steps=(doc("guess", "Find the 2024 order count in the memos.", "orders 2024", *POLICY),),
    )
    archs = ("orchestra", "single")
    good = run(examples, right, archs)
    bad = run(examples, [lying, misplanned], archs)
    for arch in archs:
        assert by(good, "north-why", arch)["facts"] == 1.0
        assert by(bad, "north-why", arch)["facts"] == 0.0
        assert by(bad, "north-why", arch)["comments"]["facts"] == "missing 7.2, 2.3, '14 days'"
        assert by(bad, "north-why", arch)["trajectory"] == 1.0
        assert by(good, "orders-2024", arch)["trajectory"] == 1.0
        assert by(bad, "orders-2024", arch)["trajectory"] == 0.0
        assert by(bad, "orders-2024", arch)["specialists"] == ["doc_researcher"]


def test_a_failed_example_is_recorded_with_its_error_and_the_rest_go_on(
    isolated_env: Path,
) -> None:
    examples = sample_examples(isolated_env, "north-window", "orders-2024", "customers")
    tasks = sample_tasks(examples)
    # The model is down whenever the final answer of one example is asked for.
    down = Fault(ANSWER, 0, times=10**6, why="the model is down at the answer")
    tasks = [dataclasses.replace(t, fault=down) if t.name == "orders-2024" else t for t in tasks]
    records = run(examples, tasks, ("orchestra", "single"))
    assert [(r["id"], r["architecture"]) for r in records] == [
        (e.id, a) for e in examples for a in ("orchestra", "single")
    ]
    for arch in ("orchestra", "single"):
        failed = by(records, "orders-2024", arch)
        assert failed["status"] == "failed"
        assert "injected 500 from the model" in failed["error"]
        assert failed["facts"] == 0.0
        for other in ("north-window", "customers"):
            assert by(records, other, arch)["status"] == "done"
            assert by(records, other, arch)["facts"] == 1.0


@dataclasses.dataclass
class Sleeper:
    """An architecture that answers at once, except for examples it sleeps through."""

    name: str = "sleeper"
    slow: tuple[str, ...] = ()
    running: int = 0
    most: int = 0

    async def run(self, example: Example, thread_id: str, outcome: Outcome) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(30 if example.id in self.slow else 0.01)
            outcome.answer = f"answer to {example.id}"
        finally:
            self.running -= 1


def test_an_example_past_its_time_limit_is_recorded_as_timed_out_and_the_rest_go_on() -> None:
    examples = [Example(id=f"e{i}", question=f"q{i}?") for i in range(6)]
    sleeper = Sleeper(slow=("e1",))
    evaluation = Evaluation(examples, [sleeper], limits=Limits(concurrency=2, timeout_s=0.3))
    records = asyncio.run(evaluation.run())
    assert [r["status"] for r in records] == ["done", "timeout", "done", "done", "done", "done"]
    assert records[1]["error"] == "no answer within 0.3 s"
    assert 0.3 <= records[1]["seconds"] < 5
    assert sleeper.most == 2


def test_repetitions_run_each_example_again_on_a_fresh_thread() -> None:
    examples = [Example(id="a", question="q?"), Example(id="b", question="r?")]
    evaluation = Evaluation(examples, [Sleeper()], limits=Limits(repetitions=3, concurrency=8))
    records = asyncio.run(evaluation.run())
    assert [(r["id"], r["repetition"]) for r in records] == [
        ("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2), ("b", 3),
    ]  # fmt: skip
    assert len({r["thread_id"] for r in records}) == 6


def test_approve_none_writes_no_report_and_all_writes_one_and_within_tokens_says_which(
    isolated_env: Path,
) -> None:
    [report] = sample_examples(isolated_env, "north-report")
    assert report.approve == "all"
    tasks = sample_tasks([report])
    approved = report.model_copy(
        update={"expect": report.expect.model_copy(update={"max_tokens": 10**9})}
    )
    refused = report.model_copy(
        update={
            "id": "north-report-refused",
            "approve": "none",
            "expect": report.expect.model_copy(update={"max_tokens": 1}),
        }
    )
    tasks += [dataclasses.replace(tasks[0], name=refused.id)]
    records = run([approved, refused], tasks, ("orchestra",))
    written = {
        r["id"]: sorted((isolated_env / "runs" / r["thread_id"]).rglob("report.md"))
        for r in records
    }
    assert len(written["north-report"]) == 1
    assert written["north-report-refused"] == []
    assert by(records, "north-report", "orchestra")["within_tokens"] is True
    assert by(records, "north-report-refused", "orchestra")["within_tokens"] is False
