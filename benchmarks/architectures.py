"""The three architectures under test, built over the same registry and the same model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.store.base import BaseStore
from langgraph.types import Checkpointer

from graph.build import build_graph
from graph.evaluation.baselines import (
    ARCHITECTURES,
    ORCHESTRA,
    SINGLE,
    SUPERVISOR,
    Baseline,
    build_baseline,
    supervisor_available,
    without_approvals,
)
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.settings import Settings
from tools.workspace import Workspace

__all__ = [
    "ARCHITECTURES",
    "ORCHESTRA",
    "SINGLE",
    "SUPERVISOR",
    "Built",
    "bench_registry",
    "build",
    "supervisor_available",
]

bench_registry = without_approvals


@dataclass
class Built:
    """A compiled architecture, the baseline's tools when it has them, how to invoke it."""

    name: str
    graph: Any
    baseline: Baseline | None = None
    invoke_kwargs: dict[str, Any] = field(default_factory=dict)


def build(
    name: str,
    model: BaseChatModel,
    registry: Sequence[SpecialistSpec],
    checkpointer: Checkpointer,
    store: BaseStore | None = None,
) -> Built:
    """Compile one architecture over a registry, with one model for every role."""
    # Every architecture reaches the same back ends, resolved once from the bench's settings.
    workspace = Workspace(Settings())
    if name == ORCHESTRA:
        graph = build_graph(
            checkpointer,
            {"default": model},
            specialists=registry,
            workspace=workspace,
            store=store,
            # The baselines remember nothing across threads; memory's cost is measured apart
            # (benchmarks/memory.py).
            memory=False,
        )
        return Built(name, graph, invoke_kwargs={"context": Context()})
    baseline = build_baseline(name, lambda role: model, registry, checkpointer, workspace)
    return Built(name, baseline.graph, baseline)
