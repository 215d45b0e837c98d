"""A remote specialist: a graph on another LangGraph server, called with RemoteGraph.

The brief goes out and the report comes back as with a local specialist; each leg of the
step runs on a thread of the remote server whose metadata names the parent thread and step.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import langsmith as ls
from langchain_core.runnables import RunnableConfig
from langgraph.pregel.remote import RemoteGraph
from langgraph.runtime import Runtime
from langgraph_sdk import get_client, get_sync_client
from langsmith.run_trees import RunTree

from nodes.archive_access import Archives, filed
from nodes.calls import run_with_deadline
from nodes.faces import Body, Call
from nodes.faults import exception_line
from nodes.model_access import context_of
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import SpecialistInput
from state.reports import Brief, Report


def remote_thread_id(brief: Brief) -> str:
    """Return the remote thread of one leg of a step (its attempt, and how far it has got).

    Derived, not random: a leg resumed after a crash finds its thread again. A leg that
    continues after a review starts a thread of its own, its brief carrying the transcript.
    """
    leg = f"{brief.thread_id}/{brief.step_key}/{brief.attempt}/{len(brief.transcript)}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"orchestra:{leg}"))


def traced_parent(config: RunnableConfig) -> RunTree | None:
    """Return this step's run as a LangSmith run tree, for the remote run to join its trace."""
    # RemoteGraph sends the tracing headers of the current run tree; a LangGraph node is
    # traced through callbacks, so the tree is made from the node's config.
    return RunTree.from_runnable_config(dict(config))


def make_remote_step_run(spec: SpecialistSpec, archives: Archives):
    """Return the run of a step on the remote graph the spec names."""
    assert spec.remote is not None
    url, graph_id = spec.remote.url, spec.remote.graph
    client, sync_client = get_client(url=url), get_sync_client(url=url)
    remote = RemoteGraph(
        graph_id,
        client=client,
        sync_client=sync_client,
        name=spec.name,
        # LangSmith's distributed-tracing headers: Orchestra's served graphs file their run
        # under this step (graph/served.py); another server's graph must read them itself.
        distributed_tracing=True,
    )
    where = f"remote specialist {spec.name} ({graph_id} at {url})"

    def prepared(state: SpecialistInput) -> tuple[Brief, str, dict[str, Any]]:
        brief = Brief(**state["brief"])
        thread = remote_thread_id(brief)
        metadata = {"parent_thread_id": brief.thread_id, "parent_step_id": brief.step_key}
        return brief, thread, metadata

    def concluded(brief: Brief, thread: str, out: Any, error: str) -> Report:
        """Return the step's report from the remote's answer (or why there is none)."""
        raw = (out or {}).get("reports", {}).get(brief.step_key) if not error else None
        if raw is None:
            error = error or f"{where} returned no report for step {brief.step_key}"
            report = Report(step_key=brief.step_key, specialist=spec.name, status="failed")
            report.error = error
        else:
            report = Report(**{**raw, "specialist": spec.name})
        report.remote_thread_id = thread
        return report

    def deadline(ctx: Context) -> float:
        # As long as the local specialist could take: every model turn at its limit.
        return ctx.model_timeout_s * (ctx.specialist_iterations + 1)

    def ask(brief: Brief, thread: str, metadata: dict[str, Any], config: RunnableConfig) -> Any:
        """Run one leg of the step on the remote server (sync face)."""
        sync_client.threads.create(thread_id=thread, metadata=metadata, if_exists="do_nothing")
        with ls.tracing_context(parent=traced_parent(config)):
            return remote.invoke(
                {"brief": brief.model_dump()}, {"configurable": {"thread_id": thread}}
            )

    async def aask(
        brief: Brief, thread: str, metadata: dict[str, Any], config: RunnableConfig, ctx: Context
    ) -> Any:
        """Run one leg of the step on the remote server (async face)."""
        async with asyncio.timeout(deadline(ctx)):
            await client.threads.create(thread_id=thread, metadata=metadata, if_exists="do_nothing")
            with ls.tracing_context(parent=traced_parent(config)):
                leg: RunnableConfig = {"configurable": {"thread_id": thread}}
                return await remote.ainvoke({"brief": brief.model_dump()}, leg)

    def run_remote(
        state: SpecialistInput, runtime: Runtime[Context], config: RunnableConfig
    ) -> Body:
        """Run the step on the remote server, within the time a local step could take."""
        ctx = context_of(runtime)
        brief, thread, metadata = prepared(state)
        out, error = None, ""
        try:
            out = yield Call(
                lambda: run_with_deadline(
                    lambda: ask(brief, thread, metadata, config), deadline(ctx), where
                ),
                lambda: aask(brief, thread, metadata, config, ctx),
            )
        except TimeoutError:
            error = f"{where}: no report within {deadline(ctx):g}s"
        except Exception as exc:  # the step fails; the orchestrator replans around it
            error = f"{where}: {exception_line(exc)}"
        report = concluded(brief, thread, out, error)
        return (yield filed(archives(runtime, config), brief, report))

    return run_remote
