"""A team lead: an orchestrator of its own over a sub-team, run as one step of its parent.

The lead gets the step's brief as its question, plans over its own team, and its answer is
the step's report. It runs on a thread of its own (`<parent id>:<step key>`), so its
reports and checkpoints never mix with the parent's; its trace nests under the step.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import var_child_runnable_config
from langgraph.runtime import Runtime

from nodes.archive_access import Archives, filed
from nodes.faces import Body, invoked
from nodes.specialist.step import failure_report, out_of_chat
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import SpecialistInput
from state.reports import Brief, Report, ToolCallRecord
from state.usage import spent


def lead_config(spec: SpecialistSpec, brief: Brief, config: RunnableConfig) -> RunnableConfig:
    """Return the lead's config: its own thread, out of the parent's chat stream."""
    configurable = dict(config.get("configurable") or {})
    # A thread id is data, never a path (state/ids.py): ':' joins, as a run folder allows.
    configurable["thread_id"] = f"{configurable.get('thread_id', '')}:{brief.step_key}"
    inner: RunnableConfig = {
        **config,
        "configurable": configurable,
        "run_name": f"{spec.name}:{brief.step_id}",
    }
    return out_of_chat(inner)


def lead_report(spec: SpecialistSpec, brief: Brief, out: dict[str, Any]) -> Report:
    """Return the step's report from the lead's final state."""
    said = [m for m in out.get("messages", []) if getattr(m, "type", "") == "ai"]
    answer = said[-1].text if said else ""
    steps = list((out.get("reports") or {}).values())
    stopped = str(out.get("note") or "").startswith(("stopped", "gave up"))
    ok = out.get("status") == "done" and bool(answer) and not stopped
    return Report(
        step_key=brief.step_key,
        specialist=spec.name,
        status="done" if ok else "failed",
        summary=answer,
        error=None if ok else (out.get("note") or "the lead's team gave no answer"),
        artifacts=[a for s in steps for a in s.get("artifacts", [])],
        sources=[src for s in steps for src in s.get("sources", [])],
        usage=spent(out),
        tools_called=[
            ToolCallRecord(name=f"{s['specialist']}:{s['step_key']}", ok=s["status"] == "done")
            for s in steps
        ],
    )


def make_lead_step_run(spec: SpecialistSpec, team: Runnable[Any, Any], archives: Archives):
    """Return the run of a step through the lead's own orchestrator graph."""

    def run_lead(state: SpecialistInput, runtime: Runtime[Context], config: RunnableConfig) -> Body:
        """Run the lead's orchestrator on the brief."""
        brief = Brief(**state["brief"])
        inner = lead_config(spec, brief, config)
        ambient = var_child_runnable_config.set(inner)
        try:
            question = {"messages": [HumanMessage(brief.render())]}
            report = lead_report(spec, brief, (yield invoked(team, question, inner)))
        except Exception as exc:
            report = failure_report(spec.name, brief, exc)
        finally:
            var_child_runnable_config.reset(ambient)
        return (yield filed(archives(runtime, config), brief, report))

    return run_lead
