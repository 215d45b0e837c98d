"""Run a dataset on architectures and score each example: bounded, timed, failures kept.

Each (architecture, example, repetition) runs on a fresh thread with a time limit; a failure
or a time-out is recorded with its error and the rest go on. Scores come from
graph/evaluation/scoring.py (facts, trajectory) and the judge (nodes/judge), when a `judge`
model is configured.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from graph.evaluation.contenders import Contender, Outcome
from graph.evaluation.scoring import Score, facts, trajectory
from nodes.judge import judge_answer
from state.dataset import Example
from tools.secrets import redact

SCORES = ("facts", "trajectory", "judge")
"""The quality scores; each is also a LangSmith feedback key, as are the cost figures."""
FIGURES = ("tokens", "calls", "seconds", "steps_failed")


@dataclass(frozen=True)
class Limits:
    """How an evaluation runs: repetitions, examples at once, seconds per example."""

    repetitions: int = 1
    concurrency: int = 4
    timeout_s: float = 600.0


@dataclass(frozen=True)
class Job:
    """One run to make: an architecture, an example, which repetition."""

    contender: Contender
    example: Example
    repetition: int

    def new_thread_id(self) -> str:
        """Return a fresh thread id naming the architecture, example and repetition."""
        fresh = uuid.uuid4().hex[:8]
        return f"eval-{self.contender.name}-{self.example.id}-{self.repetition}-{fresh}"


@dataclass
class Evaluation:
    """A dataset, the architectures to run it on, the judge (if any) and the limits."""

    examples: Sequence[Example]
    contenders: Sequence[Contender]
    judge: BaseChatModel | None = None
    limits: Limits = field(default_factory=Limits)
    on_result: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)

    def jobs(self) -> list[Job]:
        """Return every run, architectures side by side for each example."""
        return [
            Job(contender, example, repetition)
            for repetition in range(1, self.limits.repetitions + 1)
            for example in self.examples
            for contender in self.contenders
        ]

    async def run(self) -> list[dict[str, Any]]:
        """Run every job, at most `concurrency` at once; return the records in dataset order."""
        gate = asyncio.Semaphore(max(1, self.limits.concurrency))

        async def bounded(job: Job) -> None:
            async with gate:
                outcome = await self.attempt(job)
                await self.keep(await self.scored(job, outcome))

        await asyncio.gather(*(bounded(job) for job in self.jobs()))
        return self.ordered()

    async def attempt(self, job: Job) -> Outcome:
        """Run one job within its time limit; a failure is recorded, never raised."""
        outcome = Outcome(thread_id=job.new_thread_id())
        began = time.perf_counter()
        try:
            await asyncio.wait_for(
                job.contender.run(job.example, outcome.thread_id, outcome), self.limits.timeout_s
            )
        except TimeoutError:
            outcome.status = "timeout"
            outcome.error = f"no answer within {self.limits.timeout_s:g} s"
        except Exception as exc:  # one failed example never stops the others
            outcome.status = "failed"
            outcome.error = redact(f"{type(exc).__name__}: {exc}")
        outcome.seconds = round(time.perf_counter() - began, 3)
        return outcome

    async def scored(self, job: Job, outcome: Outcome) -> dict[str, Any]:
        """Return the example's record: its outcome, scores and their reasons."""
        example, expect = job.example, job.example.expect
        scores: dict[str, Score] = {
            "facts": facts(outcome.answer, expect),
            "trajectory": trajectory(outcome.specialists, expect),
            "judge": (None, "no judge model configured (ORCHESTRA_MODEL_JUDGE)"),
        }
        if self.judge is not None and outcome.answer:
            asked = "\n".join(example.asked)
            scores["judge"] = await judge_answer(
                self.judge, asked, outcome.answer, expect.reference()
            )
        tokens = outcome.input_tokens + outcome.output_tokens
        return {
            "id": example.id,
            "architecture": job.contender.name,
            "repetition": job.repetition,
            "status": outcome.status,
            **{name: _rounded(score) for name, (score, _) in scores.items()},
            "tokens": tokens,
            "input_tokens": outcome.input_tokens,
            "output_tokens": outcome.output_tokens,
            "calls": outcome.calls,
            "seconds": outcome.seconds,
            "steps_failed": outcome.steps_failed,
            "within_tokens": None if expect.max_tokens is None else tokens <= expect.max_tokens,
            "specialists": outcome.specialists,
            "answer": outcome.answer,
            "error": outcome.error,
            "thread_id": outcome.thread_id,
            "comments": {name: why for name, (_, why) in scores.items()},
        }

    async def keep(self, record: dict[str, Any]) -> None:
        """Keep a finished record and tell whoever is watching."""
        self.results.append(record)
        if self.on_result is not None:
            await self.on_result(record)

    def ordered(self) -> list[dict[str, Any]]:
        """Return the records so far in dataset order: example, repetition, architecture."""
        place = {e.id: i for i, e in enumerate(self.examples)}
        arch = {c.name: i for i, c in enumerate(self.contenders)}
        return sorted(
            self.results,
            key=lambda r: (place[r["id"]], r["repetition"], arch.get(r["architecture"], 0)),
        )


def _rounded(score: float | None) -> float | None:
    return None if score is None else round(score, 4)
