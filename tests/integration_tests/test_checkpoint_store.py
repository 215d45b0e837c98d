"""Checkpoint stores that are damaged, missing, unreachable or foreign; and time travel.

The commands run in process (`cli_here`): each exit code has its subprocess test elsewhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from pathlib import Path

from graph.persistence.checkpoints import open_checkpointer
from graph.persistence.pg_saver import PooledPostgresSaver
from tests.integration_tests.conftest import InProcessCli, model_env
from tests.integration_tests.scripts import sql_and_docs
from tests.servers.openai_server import ScriptedOpenAIServer

QUESTION = "How many orders in 2025, and what is North's returns policy?"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_damaged_checkpoint_file_is_a_clear_error_and_is_left_untouched(
    cli_here: InProcessCli, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is not a sqlite database" * 100)
    before = digest(damaged)
    for args in (["show", "t1"], ["resume", "t1"], ["threads"], ["ask", "hello?"]):
        result = cli_here(
            *args,
            ORCHESTRA_CHECKPOINTER=f"sqlite:///{damaged}",
            ORCHESTRA_MODEL="openai:x",
            OPENAI_API_KEY="sk-test-0000000000",
        )
        assert result.code == 2, (args, result.stderr)
        assert "damaged or not a checkpoint database" in result.stderr
        assert "Traceback" not in result.stderr
    assert digest(damaged) == before


def test_missing_checkpoint_file_is_not_created_by_looking(
    cli_here: InProcessCli, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "checkpoints.sqlite"
    for command in ("show", "resume", "history"):
        result = cli_here(command, "t1", ORCHESTRA_CHECKPOINTER=f"sqlite:///{missing}")
        assert result.code == 2 and "no checkpoint file at" in result.stderr
    assert not missing.exists()


def test_unreachable_postgres_is_a_clear_error_without_the_password(cli_here: InProcessCli) -> None:
    url = "postgresql://orchestra:hunter2secret@127.0.0.1:1/orchestra"
    result = cli_here("show", "t1", ORCHESTRA_CHECKPOINTER=url)
    assert result.code == 2
    assert "cannot reach the Postgres checkpointer at" in result.stderr
    assert "hunter2secret" not in result.stderr and "Traceback" not in result.stderr


def test_thread_of_another_database_is_unknown_and_nothing_changes(
    cli_here: InProcessCli, tmp_path: Path
) -> None:
    here, there = tmp_path / "here.sqlite", tmp_path / "there.sqlite"
    with ScriptedOpenAIServer(sql_and_docs()) as server:
        made = cli_here(
            "ask",
            QUESTION,
            "--thread-id",
            "mine",
            ORCHESTRA_CHECKPOINTER=f"sqlite:///{here}",
            **model_env(server),
        )
        assert made.code == 0, made.stderr
    cli_here("threads", ORCHESTRA_CHECKPOINTER=f"sqlite:///{there}")
    before = digest(there)
    for command in ("show", "resume", "history"):
        result = cli_here(
            command,
            "mine",
            ORCHESTRA_CHECKPOINTER=f"sqlite:///{there}",
            ORCHESTRA_MODEL="openai:x",
            OPENAI_API_KEY="sk-test-0000000000",
        )
        assert result.code == 2 and "unknown thread 'mine'" in result.stderr
    assert digest(there) == before


def test_resume_from_an_earlier_checkpoint_forks_and_keeps_the_original_history(
    cli_here: InProcessCli,
) -> None:
    script = sql_and_docs()
    script["orchestrator"].append(script["orchestrator"][-1])  # the fork's finalize
    with ScriptedOpenAIServer(script) as server:
        env = model_env(server)
        assert cli_here("ask", QUESTION, "--thread-id", "tt", **env).code == 0
        history = cli_here("history", "tt", "--json", **env).json()
        finalize_point = next(h for h in history if h["next"] == ["finalize"])
        fork = cli_here("resume", "tt", "--from", finalize_point["checkpoint_id"], "--json", **env)
        assert fork.code == 0, fork.stderr
        assert fork.json()["status"] == "done"
        # only the finalize call was made again; no specialist ran for the fork
        assert [r["role"] for r in server.requests].count("orchestrator") == 3
        assert len(server.calls_for("sql_analyst")) == 2
        after = cli_here("history", "tt", "--json", **env).json()
    original = {h["checkpoint_id"] for h in history}
    assert original < {h["checkpoint_id"] for h in after}
    unknown = cli_here("resume", "tt", "--from", "1f0-not-a-checkpoint", **env)
    assert unknown.code == 2 and "no checkpoint" in unknown.stderr


def test_many_openers_on_a_fresh_postgres_set_it_up_once_without_racing(
    postgres_url: str,
) -> None:
    async def open_one() -> str:
        async with open_checkpointer(postgres_url) as saver:
            return type(saver).__name__

    async def open_many() -> list[str]:
        return await asyncio.gather(*(open_one() for _ in range(6)))

    assert asyncio.run(open_many()) == ["PooledPostgresSaver"] * 6


def test_a_step_writing_on_postgres_never_waits_for_another_steps_write(
    postgres_url: str,
) -> None:
    """Parallel steps (and a server's threads) each write on a pooled connection of their own."""
    thread_id = f"parallel-{uuid.uuid4().hex}"
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": "", "checkpoint_id": "1"}}

    async def scenario() -> int:
        async with open_checkpointer(postgres_url) as saver:
            assert isinstance(saver, PooledPostgresSaver)
            holding, release = asyncio.Event(), asyncio.Event()

            async def long_write() -> None:
                async with saver._cursor(pipeline=True):
                    holding.set()
                    await release.wait()

            first = asyncio.create_task(long_write())
            await holding.wait()
            # Under the upstream saver's lock this write would queue behind the first for good.
            await asyncio.wait_for(saver.aput_writes(config, [("out", 1)], "step-b"), 10)
            release.set()
            await first
            async with saver._cursor() as cur:
                await cur.execute(
                    "SELECT count(*) AS n FROM checkpoint_writes WHERE thread_id = %s",
                    (thread_id,),
                )
                row = await cur.fetchone()
        return int(row["n"]) if row else 0

    assert asyncio.run(scenario()) == 1
