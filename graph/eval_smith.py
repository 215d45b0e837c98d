"""An evaluation as LangSmith experiments: the dataset created or updated, one per architecture.

`langsmith`'s `aevaluate` drives the runs (its concurrency and repetitions), so each run is
traced under its experiment; the target runs an example as the local runner does (its time
limit and failure record), and one evaluator turns the record into one feedback per score.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sys
import uuid
from collections.abc import Sequence
from typing import Any

from graph.eval_contenders import Contender, Outcome
from graph.eval_runner import FIGURES, SCORES, Evaluation, Job
from state.dataset import Example

MANAGED_BY = "orchestra eval"


def langsmith_configured() -> bool:
    """Return True when LangSmith is set up for this process (an API key is set)."""
    return bool(os.environ.get("LANGSMITH_API_KEY") or os.environ.get("LANGCHAIN_API_KEY"))


def example_uuid(dataset: str, example_id: str) -> str:
    """Return an example's LangSmith id: the same for the same dataset and example id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"orchestra-eval/{dataset}/{example_id}"))


def _row(dataset: str, example: Example) -> dict[str, Any]:
    """Return an example as LangSmith holds it: inputs, reference outputs, metadata."""
    return {
        "id": example_uuid(dataset, example.id),
        "inputs": {"id": example.id, "turns": example.asked, "approve": example.approve},
        "outputs": {
            **example.expect.model_dump(mode="json", exclude_none=True),
            "reference": example.expect.reference(),
        },
        "metadata": {**example.metadata, "example_id": example.id, "managed_by": MANAGED_BY},
    }


def upsert_dataset(client: Any, name: str, examples: Sequence[Example]) -> list[Any]:
    """Create the dataset or update it: new examples added, changed ones rewritten."""
    if client.has_dataset(dataset_name=name):
        dataset = client.read_dataset(dataset_name=name)
    else:
        dataset = client.create_dataset(name, description=f"Written by {MANAGED_BY}.")
    held = {str(e.id) for e in client.list_examples(dataset_id=dataset.id)}
    rows = [_row(name, example) for example in examples]
    fresh = [r for r in rows if r["id"] not in held]
    if fresh:
        client.create_examples(dataset_id=dataset.id, examples=fresh)
    known = [r for r in rows if r["id"] in held]
    if known:
        client.update_examples(dataset_id=dataset.id, updates=known)
    wanted = {r["id"] for r in rows}
    return [e for e in client.list_examples(dataset_id=dataset.id) if str(e.id) in wanted]


def feedback(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Return one feedback per score and figure the record has; status as a value."""
    comments = record.get("comments", {})
    results = [
        {"key": key, "score": record[key], "comment": comments.get(key)}
        for key in (*SCORES, *FIGURES)
        if record.get(key) is not None
    ]
    done = float(record["status"] == "done")
    return [*results, {"key": "status", "score": done, "value": record["status"]}]


async def run_experiments(evaluation: Evaluation, dataset: str) -> dict[str, str]:
    """Run each architecture as an experiment on the LangSmith dataset; return their URLs."""
    from langsmith import Client, aevaluate

    client = Client()
    held = await asyncio.to_thread(upsert_dataset, client, dataset, evaluation.examples)
    by_id = {e.id: e for e in evaluation.examples}
    urls: dict[str, str] = {}
    for contender in evaluation.contenders:
        target, score = _target_and_evaluator(evaluation, contender, by_id)
        # aevaluate prints where the results are on stdout, which --json keeps for its object.
        with contextlib.redirect_stdout(sys.stderr):
            results = await aevaluate(
                target,
                data=held,
                evaluators=[score],
                experiment_prefix=f"{dataset}-{contender.name}",
                metadata={"architecture": contender.name, "managed_by": MANAGED_BY},
                max_concurrency=max(1, evaluation.limits.concurrency),
                num_repetitions=evaluation.limits.repetitions,
                client=client,
            )
        urls[contender.name] = await results.get_comparison_url() or results.url or ""
    await asyncio.to_thread(client.flush)
    return urls


def _target_and_evaluator(
    evaluation: Evaluation, contender: Contender, by_id: dict[str, Example]
) -> tuple[Any, Any]:
    """Return the experiment's target (runs an example) and evaluator (scores its record)."""
    repeats: dict[str, int] = {}

    async def target(inputs: dict[str, Any]) -> dict[str, Any]:
        example = by_id[inputs["id"]]
        repeats[example.id] = repeats.get(example.id, 0) + 1
        outcome = await evaluation.attempt(Job(contender, example, repeats[example.id]))
        return {**dataclasses.asdict(outcome), "repetition": repeats[example.id]}

    async def scores(run: Any, example: Any) -> dict[str, Any]:
        outputs = dict(run.outputs or {})
        repetition = int(outputs.pop("repetition", 1))
        fields = {f.name for f in dataclasses.fields(Outcome)}
        outcome = Outcome(**{k: v for k, v in outputs.items() if k in fields})
        ours = by_id[example.inputs["id"]]
        record = await evaluation.scored(Job(contender, ours, repetition), outcome)
        await evaluation.keep(record)
        return {"results": feedback(record)}

    return target, scores
