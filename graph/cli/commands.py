"""The commands behind `orchestra`: start, resume, and look at runs."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from rich.markup import escape

from graph.build import pinned_models
from graph.cli.consoles import err, out
from graph.cli.failures import (
    EXIT_CANCELLED,
    EXIT_OK,
    EXIT_STOPPED,
    UsageError,
    error_line,
    explain,
)
from graph.cli.progress import Progress, answer_token
from graph.cli.review import decide, waiting
from graph.cli.run_view import summarize
from graph.cli.session import Session, check_models, open_session
from graph.cli.stopping import off_loop, settled_cancel, superseding
from graph.cli.tracing import Tracing, start_tracing
from graph.models import ModelSpec
from nodes.guards.at_plan import prescreened
from tools.secrets import redact

MAX_QUESTION_CHARS = 8000


def check_question(question: str) -> str:
    """Return the question stripped, or raise a usage error for an empty or huge one."""
    text = redact(question.strip())
    if not text:
        raise UsageError("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise UsageError(
            f"the question has {len(text)} characters; the limit is {MAX_QUESTION_CHARS}"
        )
    return text


async def ask(
    question: str,
    *,
    thread_id: str | None,
    as_json: bool,
    approve: bool | None,
    stream: bool = False,
    models: Mapping[str, ModelSpec] | None = None,
    review_plan: bool = False,
) -> int:
    """Start a turn on a (new or existing) thread and drive it to an end or a pause."""
    text = check_question(question)
    thread = thread_id or uuid.uuid4().hex[:12]
    async with open_session(models, review_plan=review_plan) as session, session.hold(thread):
        # Looked at under the thread's lock: no other run can start a turn in between.
        snapshot = await session.graph.aget_state(session.config(thread))
        if snapshot.created_at is not None and not session.owns(snapshot.metadata):
            raise UsageError(
                f"thread {thread} is another user's (this is {session.settings.user}'s "
                "command line); ask on a thread of your own"
            )
        if snapshot.next:
            # As in every face, a new message supersedes what waits (nodes/superseding.py).
            err.print(superseding(thread, snapshot), highlight=False)
        err.print(f"[dim]thread {thread}[/dim]")
        # The team's input rewrites apply here, so no checkpoint or trace holds the original.
        asked = prescreened(session.guards, text)
        return await drive(session, thread, {"messages": [asked]}, as_json, approve, stream)


async def resume(
    thread: str,
    *,
    as_json: bool,
    approve: bool | None,
    from_checkpoint: str | None = None,
    models: Mapping[str, ModelSpec] | None = None,
    review_plan: bool = False,
) -> int:
    """Continue a stopped, failed or waiting thread from its last (or a chosen) checkpoint."""
    async with open_session(
        models, need_models=False, existing=True, review_plan=review_plan
    ) as session:
        if not await session.thread_exists(thread):
            raise UsageError(f"unknown thread '{thread}' (see: orchestra threads)")
        async with session.hold(thread):
            return await _resume(session, thread, as_json, approve, from_checkpoint, models)


async def _resume(
    session: Session,
    thread: str,
    as_json: bool,
    approve: bool | None,
    from_checkpoint: str | None,
    models: Mapping[str, ModelSpec] | None,
) -> int:
    """Continue a thread whose lock this process holds."""
    check_models(models, session.context, session.team, pinned_models(session.team))
    if from_checkpoint:
        config = session.config(thread, from_checkpoint)
        fork = await session.graph.aget_state(config)
        if fork.created_at is None:
            raise UsageError(f"thread {thread} has no checkpoint '{from_checkpoint}'")
        err.print(f"[dim]forking thread {thread} from checkpoint {from_checkpoint}[/dim]")
        return await drive(session, thread, None, as_json, approve, config=config)
    snapshot = await session.graph.aget_state(session.config(thread))
    if not snapshot.next:
        err.print(f"thread {thread} has nothing left to run")
        failed = await session.failed_calls(thread)
        emit(session, summarize(thread, snapshot, failed=failed), as_json)
        return EXIT_OK
    payload: Any = None
    if snapshot.interrupts:
        # At a terminal this waits for a person: off the event loop.
        decision = await off_loop(decide, snapshot.interrupts, approve)
        if decision is None:
            return waiting(thread, summarize(thread, snapshot), as_json)
        payload = Command(resume=decision)
    return await drive(session, thread, payload, as_json, approve)


async def drive(
    session: Session,
    thread: str,
    payload: Any,
    as_json: bool,
    approve: bool | None,
    stream: bool = False,
    config: RunnableConfig | None = None,
) -> int:
    """Run the graph until it ends, stops on a failure, or waits for an approval."""
    tracing = start_tracing(lambda text: err.print(f"[yellow]warning[/yellow]: {text}"))
    try:
        return await _drive(session, thread, payload, as_json, approve, stream, config, tracing)
    except asyncio.CancelledError:
        settled_cancel()
        return await cancelled(session, thread, as_json)
    finally:
        if tracing:
            # The flush waits on a thread, so the event loop is not held while it sends.
            await asyncio.to_thread(tracing.close)


async def _drive(
    session: Session,
    thread: str,
    payload: Any,
    as_json: bool,
    approve: bool | None,
    stream: bool,
    config: RunnableConfig | None,
    tracing: Tracing | None,
) -> int:
    """Run legs of the graph (each approval starts a new one) until it ends or must wait."""
    start = config or session.config(thread)
    # Progress starts from the thread's state, so a resumed leg names the steps it moves.
    progress = Progress(err, values=(await session.graph.aget_state(start)).values)
    run_config = traced(start, thread, tracing)
    while True:
        failure = await _stream(session, payload, run_config, progress, stream, not as_json)
        snapshot = await session.graph.aget_state(session.config(thread))
        summary = summarize(thread, snapshot, failed=await session.failed_calls(thread))
        if failure is not None:
            code, message = explain(failure)
            err.print(f"[red]error[/red]: {escape(error_line(message, thread))}", highlight=False)
            err.print(f"the run is saved; continue it with: orchestra resume {thread}")
            emit(session, {**summary, "status": "failed", "error": message}, as_json)
            return code if code != EXIT_OK else EXIT_STOPPED
        if not snapshot.interrupts:
            emit(session, summary, as_json)
            return EXIT_OK if summary["status"] == "done" else EXIT_STOPPED
        decision = await off_loop(decide, snapshot.interrupts, approve)
        if decision is None:
            return waiting(thread, summary, as_json)
        payload = Command(resume=decision)
        run_config = traced(session.config(thread), thread, tracing)


async def cancelled(session: Session, thread: str, as_json: bool) -> int:
    """Report a run stopped by a signal: what it stopped, and how to go on (exit 130)."""
    snapshot = await session.graph.aget_state(session.config(thread))
    failed = await session.failed_calls(thread)
    summary = summarize(thread, snapshot, stopped=await session.stops(thread), failed=failed)
    stopped = [s["id"] for s in summary["steps"] if s["status"] in ("cancelled", "drained")]
    what = f"; steps stopped: {', '.join(stopped)}" if stopped else ""
    err.print(f"interrupted{what}; the run is saved; continue it with: orchestra resume {thread}")
    emit(session, {**summary, "status": "cancelled"}, as_json)
    return EXIT_CANCELLED


def traced(config: RunnableConfig, thread: str, tracing: Tracing | None) -> RunnableConfig:
    """Return the config with the tracer, the root tags and the thread's metadata."""
    if tracing is None:
        return config
    # thread_id in metadata is how LangSmith groups a resumed run with the rest of its thread.
    return {
        **config,
        "callbacks": tracing.callbacks(),
        "tags": ["orchestrator"],
        "metadata": {**(config.get("metadata") or {}), "thread_id": thread},
    }


async def _stream(
    session: Session,
    payload: Any,
    config: RunnableConfig,
    progress: Progress,
    tokens: bool,
    show_tokens: bool,
) -> BaseException | None:
    """Stream one leg of the run into the progress printer; return its failure, if any."""
    # Asking for "messages" makes every model call stream its tokens.
    # "custom" carries what A2A agents say of their tasks as they work, and the retries'
    # notices (nodes/calls.py), said as they happen.
    modes: list[Any] = ["updates", "custom", *(["messages"] if tokens else [])]
    events: Any = session.graph.astream(
        payload,
        config,
        context=session.context,
        stream_mode=modes,
        subgraphs=True,
        durability="sync",
    )
    try:
        async for namespace, mode, chunk in events:
            if mode == "updates":
                progress.handle(namespace, chunk)
            elif mode == "custom":
                progress.custom(chunk)
                progress.notice(namespace, chunk)
            elif show_tokens and answer_token(namespace, chunk):
                out.print(chunk[0].text, end="", highlight=False, markup=False)
    except Exception as exc:  # every failure is reported, and the checkpoint keeps the work
        return exc
    if tokens and show_tokens:
        out.print()
    return None


def emit(session: Session, summary: dict[str, Any], as_json: bool) -> None:
    """Print the run's outcome: the JSON object, or the answer for a person."""
    if as_json:
        print(json.dumps(summary, default=str))
        return
    if summary.get("answer"):
        out.print()
        out.print(summary["answer"], highlight=False, markup=False)
    usage = summary["usage"]
    err.print(
        f"[dim]{summary['status']} · {usage['llm_calls']} model calls · "
        f"{usage['input_tokens']} in / {usage['output_tokens']} out tokens[/dim]"
    )
