"""The planner's menu: the whole team when it is small; for a large one, the few that fit.

A large team's specialists are ranked for the request by BM25 over their names, descriptions
and tool descriptions (SQLite FTS5 in memory, nothing downloaded); those marked always-on are
offered too. The planner may ask for more once (`need`), and is shown the best matches for it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nodes.specialists.spec import SpecialistSpec, planner_menu
from state.context import Context
from state.recall import SearchIndex

NARROWED = (
    "\n(These are the specialists that fit this request best, of {total}. If none fits a "
    "part of it, plan no steps and describe in `need` the specialist you need: you will be "
    "shown more.)"
)


@dataclass(frozen=True)
class MenuChoice:
    """What the planner was offered for one plan call, and how long choosing took."""

    names: list[str]
    ms: float
    narrowed: bool

    def record(self, turn: int) -> dict[str, Any]:
        """Return the menu as a turn records it: in the state, the Archive and show --json."""
        return {"turn": turn, "names": self.names, "ms": self.ms}


def specialist_text(spec: SpecialistSpec) -> str:
    """Return what the index knows of a specialist: name, description, tools."""
    tools = " ".join(f"{t.name.replace('_', ' ')}: {t.description}" for t in spec.tools)
    return f"{spec.name.replace('_', ' ')}. {spec.description} {tools}"


class Menu:
    """Chooses the planner's menu for a request from a registry (one per graph)."""

    def __init__(self, registry: Sequence[SpecialistSpec]) -> None:
        self.registry = list(registry)
        self.by_name = {spec.name: spec for spec in self.registry}
        self._index: SearchIndex | None = None

    @property
    def index(self) -> SearchIndex:
        """Return the index, built on first use (off the event loop, as every use is)."""
        if self._index is None:
            self._index = SearchIndex({s.name: specialist_text(s) for s in self.registry})
        return self._index

    def choose(self, request: str, ctx: Context, also: Sequence[str] = ()) -> MenuChoice:
        """Return the menu for a request: everyone, or always-on + `also` + the best k."""
        started = time.perf_counter()
        if len(self.registry) <= ctx.menu_threshold:
            names = [spec.name for spec in self.registry]
            return MenuChoice(names, _ms(started), False)
        always = [spec.name for spec in self.registry if spec.always_on]
        ranked = self.index.rank(request, ctx.menu_size)
        names = list(dict.fromkeys([*always, *also, *ranked]))
        return MenuChoice(names, _ms(started), True)

    def render(self, choice: MenuChoice) -> str:
        """Render a menu for the planner's prompt."""
        text = planner_menu([self.by_name[name] for name in choice.names])
        return text + (NARROWED.format(total=len(self.registry)) if choice.narrowed else "")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
