"""A specialist step: its compiled subgraph, run under the step's own name, out of the chat."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langchain_core.callbacks import BaseCallbackManager
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import merge_configs, var_child_runnable_config
from langgraph.constants import TAG_NOSTREAM
from langgraph.errors import GraphBubbleUp, GraphDrained, is_invalid_resume
from langgraph.pregel._messages import StreamMessagesHandler
from langgraph.pregel._tools import StreamToolCallHandler
from langgraph.runtime import Runtime

from nodes.archive_access import Archives, filed
from nodes.faces import Body, Call, both, invoked
from nodes.faults import exception_line
from nodes.model_access import context_of
from nodes.specialist.stopping import StepStop, aresumed, cancel_reason, resumed, with_stops
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import SpecialistInput
from state.reports import Brief, Report
from state.stops import drained_by
from state.text import clipped

log = logging.getLogger("orchestra.step")
# A failed report's error, at most (the log keeps the whole exception).
ERROR_CHARS = 500

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


def failure_report(specialist: str, brief: Brief, exc: Exception) -> Report:
    """Turn a step's unexpected failure into a failed Report, so the orchestrator replans."""
    if isinstance(exc, GraphBubbleUp) or is_invalid_resume(exc):
        raise exc  # a pause, or a review answer to give again: not the step's failure
    log.error("step %s (%s) failed", brief.step_key, specialist, exc_info=exc)
    return Report(
        step_key=brief.step_key,
        specialist=specialist,
        status="failed",
        error=clipped(exception_line(exc), ERROR_CHARS),
    )


def make_step_run(spec: SpecialistSpec, subgraph: Runnable[Any, Any], archives: Archives):
    """Return the run of one step through the specialist's subgraph."""

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

    def unavailable(brief: Brief) -> Report:
        """Return the failed report of a step whose specialist cannot run here."""
        return Report(
            step_key=brief.step_key, specialist=spec.name, status="failed", error=spec.unavailable
        )

    def run_step(state: SpecialistInput, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Run the step's subgraph to its report."""
        brief, inner = step_config(state, runtime, config)
        archive = archives(runtime, config)
        if spec.unavailable:
            return (yield filed(archive, brief, unavailable(brief)))
        stops = yield Call(
            lambda: resumed(archive, brief, config), lambda: aresumed(archive, brief, config)
        )
        stop = StepStop(spec, brief, subgraph, inner, archive)
        # A nested run merges the ambient config's callbacks into its own: set it too.
        ambient = var_child_runnable_config.set(inner)
        try:
            result = yield invoked(subgraph, state, inner)
        except asyncio.CancelledError:
            # Cancelled mid-call: its finished calls are in its checkpoint; say so, once.
            yield both(stop, "record", "cancelled", cancel_reason())
            raise
        except GraphDrained as exc:
            # Its calls in flight finished; it goes on from its checkpoint on resume.
            yield both(stop, "record", "drained", drained_by(exc.reason))
            raise
        except Exception as exc:
            report = failure_report(spec.name, brief, exc)
        else:
            report = Report(**result["reports"][brief.step_key])
        finally:
            var_child_runnable_config.reset(ambient)
        return with_stops((yield filed(archive, brief, report)), brief.step_key, stops)

    return run_step
