"""A specialist step: its compiled subgraph, run under the step's own name, out of the chat."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.callbacks import BaseCallbackManager
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import merge_configs, var_child_runnable_config
from langgraph.constants import TAG_NOSTREAM
from langgraph.errors import GraphBubbleUp, is_invalid_resume
from langgraph.pregel._messages import StreamMessagesHandler
from langgraph.pregel._tools import StreamToolCallHandler
from langgraph.runtime import Runtime

from nodes.archive_access import Archives
from nodes.faces import both_faces
from nodes.model_access import context_of
from nodes.specialists.spec import SpecialistSpec
from state.archive import report_item
from state.context import Context
from state.graph_state import SpecialistInput
from state.reports import Brief, Report

log = logging.getLogger("orchestra.step")

# What turns a run's model calls and node outputs into a client's `messages`/`tools` stream.
CHAT_STREAMS = (StreamMessagesHandler, StreamToolCallHandler)


def out_of_chat(config: RunnableConfig) -> RunnableConfig:
    """Return the config without the chat stream handlers, so no specialist message streams."""
    # The no-stream tag keeps model tokens out; node outputs are streamed by the handler on
    # any message they hold, so the subgraph runs without it. Traces, Studio's subgraph
    # state and the step's checkpoints are unaffected.
    callbacks = config.get("callbacks")
    if isinstance(callbacks, BaseCallbackManager):
        callbacks = callbacks.copy()
        callbacks.handlers = [h for h in callbacks.handlers if not isinstance(h, CHAT_STREAMS)]
        callbacks.inheritable_handlers = [
            h for h in callbacks.inheritable_handlers if not isinstance(h, CHAT_STREAMS)
        ]
    elif isinstance(callbacks, list):
        callbacks = [h for h in callbacks if not isinstance(h, CHAT_STREAMS)]
    # Built by hand: merge_configs would bring the ambient config's handlers back in.
    tags = [*config.get("tags", []), TAG_NOSTREAM]
    return {**config, "callbacks": callbacks, "tags": tags}


def filed(brief: Brief, result: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a step's output: the whole report for the Archive, its card for the state."""
    report = Report(**result["reports"][brief.step_key])
    turn = int(brief.step_key.split(".", 1)[0]) if "." in brief.step_key else 0
    item = report_item(report.model_dump(), brief.objective, turn)
    return item, {"reports": {brief.step_key: report.card()}}


def make_step_node(spec: SpecialistSpec, subgraph: Runnable[Any, Any], archives: Archives):
    """Return the node that runs one step through the specialist's subgraph."""

    def step_config(
        state: SpecialistInput, runtime: Runtime[Context], config: RunnableConfig
    ) -> tuple[Brief, RunnableConfig]:
        brief = Brief(**state["brief"])
        step: RunnableConfig = {
            "run_name": f"{spec.name}:{brief.step_id}",
            "tags": [f"specialist:{spec.name}"],
            "metadata": {
                "step_id": brief.step_key,
                "specialist": spec.name,
                "attempt": brief.attempt,
                "model": context_of(runtime).model_for(spec.role) or "(set in code)",
            },
        }
        # The node's own config, so the subgraph is checkpointed in the thread.
        return brief, out_of_chat(merge_configs(config, step))

    def failed(brief: Brief, exc: Exception) -> dict[str, Any]:
        """Turn a step's unexpected failure into a failed Report, so the orchestrator replans."""
        if isinstance(exc, GraphBubbleUp) or is_invalid_resume(exc):
            raise exc  # a pause, or a review answer to give again: not the step's failure
        log.error("step %s (%s) failed", brief.step_key, spec.name, exc_info=exc)
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        report = Report(
            step_key=brief.step_key, specialist=spec.name, status="failed", error=reason
        )
        return {"reports": {brief.step_key: report.model_dump()}}

    def unavailable(brief: Brief) -> dict[str, Any]:
        """Return the failed report of a step whose specialist cannot run here."""
        report = Report(
            step_key=brief.step_key, specialist=spec.name, status="failed", error=spec.unavailable
        )
        return {"reports": {brief.step_key: report.model_dump()}}

    def run_step(state: SpecialistInput, runtime: Runtime[Context], config: RunnableConfig) -> Any:
        """Run the step's subgraph to its report."""
        brief, inner = step_config(state, runtime, config)
        if spec.unavailable:
            item, update = filed(brief, unavailable(brief))
            archives(runtime, config).put_report(brief.step_key, item)
            return update
        # A nested run merges the ambient config's callbacks into its own: set it too.
        ambient = var_child_runnable_config.set(inner)
        try:
            result = subgraph.invoke(state, inner)
        except Exception as exc:
            result = failed(brief, exc)
        finally:
            var_child_runnable_config.reset(ambient)
        item, update = filed(brief, result)
        archives(runtime, config).put_report(brief.step_key, item)
        return update

    async def arun_step(
        state: SpecialistInput, runtime: Runtime[Context], config: RunnableConfig
    ) -> Any:
        """Run the step's subgraph to its report (async face)."""
        brief, inner = step_config(state, runtime, config)
        if spec.unavailable:
            item, update = filed(brief, unavailable(brief))
            await archives(runtime, config).aput_report(brief.step_key, item)
            return update
        ambient = var_child_runnable_config.set(inner)
        try:
            result = await subgraph.ainvoke(state, inner)
        except Exception as exc:
            result = failed(brief, exc)
        finally:
            var_child_runnable_config.reset(ambient)
        item, update = filed(brief, result)
        await archives(runtime, config).aput_report(brief.step_key, item)
        return update

    return both_faces(spec.name, run_step, arun_step)
