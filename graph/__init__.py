"""Wiring: builds and compiles the graphs; persistence and model resolution."""

from __future__ import annotations

from typing import Any

__all__ = ["build_graph", "build_specialist_graph", "graph"]


def __getattr__(name: str) -> Any:
    """Import lazily, so the command line starts without compiling any graph."""
    import importlib

    build = importlib.import_module("graph.build")

    if name == "graph":
        # Compiled without a checkpointer or Store: the LangGraph server brings its own. The
        # team is ORCHESTRA_TEAM's (the built-in four by default).
        from nodes.specialists.team import load_team
        from state.settings import Settings

        team = load_team(Settings().team)
        compiled = build.build_graph(specialists=team.specs(), guardrails=team.guardrails)
        globals()["graph"] = compiled
        return compiled
    if name in ("build_graph", "build_specialist_graph"):
        return getattr(build, name)
    raise AttributeError(f"module 'graph' has no attribute {name!r}")
