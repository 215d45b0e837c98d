"""Wiring: builds and compiles the graphs, persistence, model resolution and the CLI."""

from graph.build import build_graph, build_specialist_graph

# Compiled without a checkpointer: the LangGraph server brings its own.
graph = build_graph()

__all__ = ["build_graph", "build_specialist_graph", "graph"]
