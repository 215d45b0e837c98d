"""`orchestra eval` with LangSmith: the dataset, an experiment per architecture, its runs and
one feedback per score, all arriving at the LangSmith-compatible capture server."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import langsmith
import pytest
from langsmith import utils as ls_utils

from graph.evaluation.experiments import example_uuid, upsert_dataset
from state.dataset import Example
from tests.integration_tests.conftest import InProcessCli
from tests.servers.langsmith_server import LangSmithCaptureServer

SCORES = {"facts", "trajectory", "tokens", "calls", "seconds", "status"}


@pytest.fixture
def smith() -> Iterator[LangSmithCaptureServer]:
    """A capture server standing in for LangSmith; the client's cached settings cleared."""
    ls_utils.get_env_var.cache_clear()
    ls_utils.get_tracer_project.cache_clear()
    with LangSmithCaptureServer() as server:
        yield server
    ls_utils.get_env_var.cache_clear()
    ls_utils.get_tracer_project.cache_clear()


def test_eval_is_a_langsmith_experiment_per_architecture_with_a_feedback_per_score(
    cli_here: InProcessCli, smith: LangSmithCaptureServer
) -> None:
    env = {"LANGSMITH_API_KEY": "ls-test-key", "LANGSMITH_ENDPOINT": smith.url}
    args = ("--sample", "--limit", "2", "--architecture", "orchestra", "single", "--json")
    result = cli_here("eval", *args, **env)
    assert result.code == 0, result.stderr
    records = {(r["id"], r["architecture"]): r for r in json.loads(result.stdout)["examples"]}
    assert len(records) == 4
    [dataset] = smith.datasets
    assert dataset["name"] == "orchestra-sample"
    # Each example by its LangSmith id: inputs the turns, reference outputs the expectations.
    examples = {e["id"]: e["inputs"]["id"] for e in dataset["examples"]}
    assert sorted(examples.values()) == ["orders-2024", "orders-2025"]
    [held] = [e for e in dataset["examples"] if e["inputs"]["id"] == "orders-2024"]
    assert held["inputs"]["turns"] == ["How many orders were placed in 2024?"]
    assert held["outputs"]["specialists"] == ["sql_analyst"]
    experiments = {e["name"].rsplit("-", 1)[0]: e for e in smith.experiments}
    assert set(experiments) == {"orchestra-sample-orchestra", "orchestra-sample-single"}
    runs = smith.runs
    feedback = smith.feedback
    for arch, experiment in (
        ("orchestra", experiments["orchestra-sample-orchestra"]),
        ("single", experiments["orchestra-sample-single"]),
    ):
        assert experiment["reference_dataset_id"] == dataset["id"]
        assert f"selectedSessions={experiment['id']}" in result.stderr
        roots = [
            r
            for r in runs.values()
            if r.get("name") == f"orchestra eval: {arch}"
            and r.get("session_name") == experiment["name"]
        ]
        by_example = {r["reference_example_id"]: r for r in roots}
        assert set(by_example) == set(examples)
        for example_id, root in by_example.items():
            record = records[examples[example_id], arch]
            # The architecture's own graph ran inside the experiment's run.
            inside = [r for r in runs.values() if r.get("trace_id") == root["id"]]
            assert len(inside) > 5
            mine = [f for f in feedback if f.get("run_id") == root["id"]]
            keys = Counter(f["key"] for f in mine)
            wanted = SCORES | ({"steps_failed"} if arch == "orchestra" else set())
            assert keys == Counter(wanted)
            scored = {f["key"]: f.get("score") for f in mine}
            assert scored["facts"] == record["facts"] == 1.0
            assert scored["tokens"] == record["tokens"] > 0
            assert scored["status"] == 1.0


def test_the_dataset_is_updated_in_place_when_its_examples_change(
    smith: LangSmithCaptureServer,
) -> None:
    client = langsmith.Client(api_url=smith.url, api_key="ls-test-key")
    first = [
        Example(id="a", question="How many orders in 2024?", expect={"numbers": [{"value": 1}]}),
        Example(id="b", question="How many customers?"),
    ]
    upsert_dataset(client, "mine", first)
    changed = [first[0].model_copy(update={"expect": first[0].expect.model_copy(
        update={"mentions": ["orders"]})}), Example(id="c", question="And in 2025?")]  # fmt: skip
    held = upsert_dataset(client, "mine", changed)
    assert {str(e.id) for e in held} == {example_uuid("mine", "a"), example_uuid("mine", "c")}
    [dataset] = smith.datasets
    stored = {e["inputs"]["id"]: e for e in dataset["examples"]}
    assert set(stored) == {"a", "b", "c"}
    assert stored["a"]["outputs"]["mentions"] == ["orders"]
    assert stored["a"]["outputs"]["reference"] == "States these figures: 1. Mentions: orders."
    calls = [(r["method"], r["path"]) for r in smith.requests]
    assert calls.count(("POST", "/datasets")) == 1
    assert calls.count(("PATCH", "/examples/bulk")) == 1
