"""Run Orchestra's delegation request many times on SQLite, for py-spy to profile."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from benchmarks.architectures import bench_registry
from benchmarks.delegation import delegation_model, time_side_by_side
from graph.build import build_graph
from graph.persistence.checkpoints import open_checkpointer, open_store
from nodes.specialists import SAMPLE_TEAM

RUNS = 300


async def main() -> None:
    """Run the request RUNS times on a fresh SQLite file."""
    with tempfile.TemporaryDirectory(prefix="orchestra-profile-") as home:
        url = f"sqlite:///{Path(home) / 'profile.sqlite'}"
        async with open_checkpointer(url) as saver, open_store(url) as store:
            graph = build_graph(
                saver,
                {"default": delegation_model()},
                store=store,
                specialists=bench_registry(SAMPLE_TEAM),
                memory=False,
            )
            await time_side_by_side({"orchestra": (graph, {})}, runs=RUNS, warm_ups=5)


if __name__ == "__main__":
    asyncio.run(main())
