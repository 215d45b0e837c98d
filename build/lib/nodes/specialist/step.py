"""A specialist step: its compiled subgraph, run under the step's own name and metadata."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import merge_configs
from langgraph.runtime import Runtime

from nodes.model_access import context_of
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.graph_state import SpecialistInput
from state.reports import Brief


def make_step_node(spec: SpecialistSpec, subgraph: Runnable[Any, Any]):
    """Return the node that runs one step through the specialist's subgraph."""

    async def run_step(
        state: SpecialistInput, runtime: Runtime[Context], config: RunnableConfig
    ) -> Any:
        """Invoke the subgraph with this node's config, so it is checkpointed in the thread."""
        brief = Brief(**state["brief"])
        step = {
            "run_name": f"{spec.name}:{brief.step_id}",
            "tags": [f"specialist:{spec.name}"],
            "metadata": {
                "step_id": brief.step_key,
                "specialist": spec.name,
                "attempt": brief.attempt,
                "model": context_of(runtime).model_for(spec.role) or "(set in code)",
            },
        }
        return await subgraph.ainvoke(state, merge_configs(config, step))  # type: ignore[arg-type]

    return run_step
