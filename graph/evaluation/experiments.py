"""An evaluation as LangSmith experiments: the dataset created or updated, one per architecture.

`langsmith`'s `evaluate` drives the runs (its concurrency and repetitions), so each run is
traced under its experiment; the target runs an example as the local runner does (its time
limit and failure record), and one evaluator turns the record into one feedback per score.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import io
import os
import threading
import uuid
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from graph.evaluation.contenders import Contender, Outcome
from graph.evaluation.runner import FIGURES, SCORES, Evaluation, Job
from state.dataset import Example

MANAGED_BY = "orchestra eval"
T = TypeVar("T")


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
    """Run each architecture as an experiment on the LangSmith dataset; return their URLs.

    The LangSmith client makes blocking HTTP calls (creating and closing the experiment), so
    `evaluate` runs on a worker thread; each example still runs on this event loop.
    """
    from langsmith import Client

    client = Client()
    held = await asyncio.to_thread(upsert_dataset, client, dataset, evaluation.examples)
    bridge = LoopBridge(asyncio.get_running_loop())
    urls: dict[str, str] = {}
    try:
        for contender in evaluation.contenders:
            experiment = Experiment(evaluation, contender, bridge)
            urls[contender.name] = await asyncio.to_thread(experiment.run, client, held, dataset)
    finally:
        # Interrupted: the worker starts no further example.
        bridge.stopped.set()
    await asyncio.to_thread(client.flush)
    return urls


class LoopBridge:
    """Runs coroutines on the event loop from `evaluate`'s worker threads, in their context."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.stopped = threading.Event()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the loop and wait for it; the thread's trace context goes along."""
        if self.stopped.is_set():
            coroutine.close()
            raise RuntimeError("the evaluation was interrupted")
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def settle(task: asyncio.Task[T]) -> None:
            if task.cancelled():
                done.set_exception(RuntimeError("the evaluation was interrupted"))
            elif task.exception() is not None:
                done.set_exception(task.exception())
            else:
                done.set_result(task.result())

        def start() -> None:
            self.loop.create_task(coroutine).add_done_callback(settle)

        # The run's LangSmith parent lives in context variables: a callback scheduled from this
        # thread runs in this thread's context, and the task takes a copy of it.
        self.loop.call_soon_threadsafe(start)
        return done.result()


class Experiment:
    """One architecture's experiment: its target runs an example, its evaluator scores it."""

    def __init__(self, evaluation: Evaluation, contender: Contender, bridge: LoopBridge) -> None:
        self.evaluation, self.contender, self.bridge = evaluation, contender, bridge
        self.by_id = {e.id: e for e in evaluation.examples}
        self.repeats: dict[str, int] = {}
        self.lock = threading.Lock()

    def run(self, client: Any, held: list[Any], dataset: str) -> str:
        """Run the experiment (blocking) and return its URL."""
        from langsmith import evaluate, traceable

        # Each run's root in the experiment is named after the architecture it ran.
        target = traceable(name=f"orchestra eval: {self.contender.name}")(self.target)
        # evaluate prints where the results are on stdout, which --json keeps for its object;
        # the command prints each experiment's URL itself.
        with contextlib.redirect_stdout(io.StringIO()):
            results = evaluate(
                target,
                data=held,
                evaluators=[self.scores],
                experiment_prefix=f"{dataset}-{self.contender.name}",
                metadata={"architecture": self.contender.name, "managed_by": MANAGED_BY},
                max_concurrency=max(1, self.evaluation.limits.concurrency),
                num_repetitions=self.evaluation.limits.repetitions,
                client=client,
            )
        return results.url or ""

    def target(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Run one example as the local runner does: time limit, failure recorded."""
        example = self.by_id[inputs["id"]]
        with self.lock:
            repetition = self.repeats[example.id] = self.repeats.get(example.id, 0) + 1
        job = Job(self.contender, example, repetition)
        outcome = self.bridge.run(self.evaluation.attempt(job))
        return {**dataclasses.asdict(outcome), "repetition": repetition}

    def scores(self, run: Any, example: Any) -> dict[str, Any]:
        """Score a run's outcome against its example: one feedback per score."""
        outputs = dict(run.outputs or {})
        repetition = int(outputs.pop("repetition", 1))
        fields = {f.name for f in dataclasses.fields(Outcome)}
        outcome = Outcome(**{k: v for k, v in outputs.items() if k in fields})
        job = Job(self.contender, self.by_id[example.inputs["id"]], repetition)
        record = self.bridge.run(self._kept(job, outcome))
        return {"results": feedback(record)}

    async def _kept(self, job: Job, outcome: Outcome) -> dict[str, Any]:
        record = await self.evaluation.scored(job, outcome)
        await self.evaluation.keep(record)
        return record
