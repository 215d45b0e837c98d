"""What memory costs a turn, and how fast a user's memories are recalled among many.

Turns: one user asks every question of the sample dataset, each example on a new thread, on
SQLite, with memory off, on, and on after every turn; the scripted stand-in plays the sample
(the same moves each time), its memory role keeping one finding a turn (the answer's first
sentence) and the planner giving every step the standing preferences it was shown (two, said
before: seeded). Recall: the user's memories grown to N, the plan node's recall timed for the
sample's questions, on Postgres (full-text search) and SQLite (BM25).

`python -m benchmarks.memory` runs this alone and renders RESULTS.md again with it.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.store.base import PutOp
from langgraph.types import Command

from benchmarks.scratch import scratch_database
from graph.build import build_graph
from graph.evaluation.sample_dataset import write_sample_dataset
from graph.persistence.checkpoints import open_persistence
from graph.testing.memory_play import remembered
from graph.testing.playbook import Playbook
from graph.testing.policy_model import PolicyModel
from graph.testing.sample_plays import sample_tasks
from nodes.hitl import approve_all, reject_all
from state.context import Context
from state.dataset import Example, load_dataset
from state.memories import Memory, memory_namespace
from state.memory_bank import MemoryBank
from state.usage import spent
from tools.sample import ensure_sample

USER = "bench"
SEEDED = ("Give amounts in EUR.", "Round figures to one decimal.")
SHOWN = re.compile(r"^- \[(\w+)\] .* \((?:preference|instruction)\)$", re.MULTILINE)
WORDS = (
    "revenue returns orders units margin discount refund exchange window policy price "
    "category region customer segment channel supplier shipment quarter memo chart report"
).split()
PLACES = ("North", "South", "East", "West")


def bench_policy(playbook: Playbook) -> Any:
    """Return the stand-in's policy: the sample's plays, a finding kept a turn, memories cited."""

    def policy(role: str, messages: list[BaseMessage]) -> dict[str, Any]:
        if role == "memory":
            answer = messages[-1].text.split("The answer began:\n", 1)[-1]
            finding = re.split(r"(?<=[.!?])\s", answer.strip(), maxsplit=1)[0][:160]
            kept = remembered(messages)
            notes = kept["tool_calls"][0]["args"]["memories"]
            notes.append({"text": finding, "kind": "finding"})
            return kept
        reply = playbook(role, messages)
        system = messages[0].text if messages else ""
        if role == "orchestrator" and "the planner" in system:
            standing = SHOWN.findall(messages[-1].text)
            for call in reply.get("tool_calls", []):
                for planned in call["args"].get("steps", []):
                    planned["memories"] = standing
        return reply

    return policy


async def play(graph: Any, example: Example, thread: str, ctx: Context) -> list[dict[str, Any]]:
    """Ask an example's turns on a thread; return each turn's tokens, calls and seconds."""
    config: Any = {"configurable": {"thread_id": thread, "user_id": USER}, "recursion_limit": 200}
    rows = []
    for question in example.asked:
        payload: Any = {"messages": [HumanMessage(question)]}
        started = time.perf_counter()
        for _ in range(5):
            await graph.ainvoke(payload, config, context=ctx)
            snapshot = await graph.aget_state(config)
            if not snapshot.interrupts:
                break
            decide = approve_all if example.approve == "all" else lambda r: reject_all(r, "no")
            payload = Command(resume={p.id: decide(p.value) for p in snapshot.interrupts})
        seconds = time.perf_counter() - started
        usage = spent(snapshot.values, snapshot.values.get("turn", 0))
        rows.append(
            {
                "example": example.id,
                "tokens": usage.tokens,
                "calls": usage.llm_calls,
                "seconds": seconds,
            }
        )
    return rows


async def turns_pass(home: Path, examples: list[Example], ctx: Context) -> dict[str, Any]:
    """Run the dataset as one user under a Context (memory on or off); per-turn figures."""
    model = PolicyModel(script={})
    model.use(bench_policy(Playbook(sample_tasks(examples))))
    url = f"sqlite:///{home / f'memory-{uuid.uuid4().hex[:6]}.sqlite'}"
    rows: list[dict[str, Any]] = []
    async with open_persistence(url) as kept:
        graph = build_graph(kept.saver, {"default": model}, store=kept.store)
        bank = MemoryBank(kept.store, USER)
        for number, text in enumerate(SEEDED):
            await bank.aput(Memory(id=f"seed{number}", text=text, kind="preference"))
        # Untimed: the first run of a graph pays its imports and connections.
        await play(graph, examples[0], "warm-up", Context(memory=False))
        model.calls.clear()
        for example in examples:
            rows += await play(graph, example, f"{example.id}-{uuid.uuid4().hex[:6]}", ctx)
        remembered_now = len(await bank.aall())
    memory_calls = [c for c in model.calls if c.role == "memory"]
    return {
        "turns": len(rows),
        "tokens_per_turn": statistics.mean(r["tokens"] for r in rows),
        "calls_per_turn": statistics.mean(r["calls"] for r in rows),
        "seconds_p50": statistics.median(r["seconds"] for r in rows),
        "seconds_mean": statistics.mean(r["seconds"] for r in rows),
        "extraction_input_tokens": sum(c.input_tokens for c in memory_calls) / max(1, len(rows)),
        "memories": remembered_now,
    }


def synthetic(count: int, seed: int = 7) -> list[Memory]:
    """Return `count` memories of varied wording: mostly findings, a few standing ones."""
    rnd = random.Random(seed)
    found = []
    for i in range(count):
        kind = "preference" if i % 40 == 0 else "definition" if i % 25 == 0 else "finding"
        words = " ".join(rnd.sample(WORDS, 3))
        text = (
            f"{rnd.choice(PLACES)} {words} for customer C{rnd.randint(1, 2000)} in "
            f"{rnd.randint(2020, 2025)}-{rnd.randint(1, 12):02d} was {rnd.randint(1, 999)}."
        )
        stamp = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:{i % 60:02d}+00:00"
        found.append(
            Memory(
                id=f"m{i:05d}",
                text=text,
                kind=kind,
                thread_id=f"t{i % 300}",
                created_at=stamp,
                updated_at=stamp,
            )
        )
    return found


async def recall_pass(url: str, count: int, questions: list[str], k: int = 6) -> dict[str, Any]:
    """Time the plan node's recall among `count` memories of one user."""
    async with open_persistence(url) as kept:
        memories = synthetic(count)
        namespace = memory_namespace(USER)
        for start in range(0, count, 500):
            chunk = memories[start : start + 500]
            await kept.store.abatch([PutOp(namespace, m.id, m.value()) for m in chunk])
        bank = MemoryBank(kept.store, USER)
        for question in questions[:3]:
            await bank.arecall(question, k)  # warm-up
        times, found = [], []
        for _ in range(3):
            for question in questions:
                started = time.perf_counter()
                found.append(len(await bank.arecall(question, k)))
                times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "memories": count,
        "queries": len(times),
        "ms_p50": round(statistics.median(times), 1),
        "ms_p95": round(times[int(0.95 * (len(times) - 1))], 1),
        "recalled_mean": round(statistics.mean(found), 1),
    }


async def memory_pass(home: Path, examples_limit: int, count: int, pg_base: str) -> dict[str, Any]:
    """Return the memory figures: per-turn cost on and off, recall at `count` memories."""
    examples = load_dataset(write_sample_dataset(ensure_sample(home)))
    examples = examples[:examples_limit] if examples_limit else examples
    figures: dict[str, Any] = {
        "off": await turns_pass(home, examples, Context(memory=False)),
        "on": await turns_pass(home, examples, Context()),
        "every turn": await turns_pass(home, examples, Context(memory_findings=True)),
        "recall": [],
    }
    if not count:
        return figures
    questions = [q for e in examples for q in e.asked]
    figures["recall"].append(
        {
            "store": "SQLite (BM25)",
            **await recall_pass(f"sqlite:///{home / 'recall.sqlite'}", count, questions),
        }
    )
    async with scratch_database(pg_base) as url:
        if url is None:
            figures["recall_note"] = f"Postgres skipped: not reachable at {pg_base}"
            return figures
        pg = {"store": "Postgres (full-text search)", **await recall_pass(url, count, questions)}
        figures["recall"].insert(0, pg)
    return figures


def main() -> int:
    """Run the memory pass alone and render RESULTS.md again with its figures."""
    import json

    from benchmarks import publish
    from benchmarks.run import isolated_home
    from benchmarks.scratch import POSTGRES_URL

    here = Path(__file__).parent
    with isolated_home() as home:
        figures = asyncio.run(memory_pass(home, 0, 10_000, POSTGRES_URL))
    data = json.loads((here / "results.json").read_text())
    data["memory"] = figures
    data["targets"] = publish.targets(data)
    publish.write(data, here)
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
