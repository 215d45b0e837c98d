"""Live progress on the terminal: the plan, each step's state as it changes, tool calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

from nodes.progress import is_progress
from state.stops import STOPPED
from state.updates import apply_update

_STYLE = {
    "waiting": "dim",
    "running": "yellow",
    "needs_review": "magenta",
    "done": "green",
    "reused": "cyan",
    "failed": "red",
    "dropped": "dim red",
    "superseded": "dim magenta",
    "cancelled": "dim red",
    "drained": "dim yellow",
}


class Progress:
    """Print run events as they stream: one line per change, readable in logs too."""

    def __init__(
        self, console: Console, quiet: bool = False, values: Mapping[str, Any] | None = None
    ) -> None:
        self.console = console
        self.quiet = quiet
        # The orchestrator's state as the stream has shown it so far (the thread's, to start).
        self.values: dict[str, Any] = dict(values or {})
        self.step_of_ns: dict[str, str] = {}

    def _say(self, text: str) -> None:
        if not self.quiet:
            self.console.print(text, highlight=False)

    def handle(self, namespace: tuple[str, ...], update: dict[str, Any]) -> None:
        """Handle one `updates` chunk from the graph or a specialist subgraph."""
        for node, change in update.items():
            if node == "__interrupt__" and not namespace:
                self._say("[magenta]⏸  waiting for approval[/magenta]")
            elif namespace and node != "__interrupt__":
                self._specialist_event(namespace[0], node, change or {})
            elif isinstance(change, dict):
                self._orchestrator_event(node, change)

    def custom(self, event: Any) -> None:
        """Handle a `custom` chunk: a step dispatch started, what an A2A agent says of its task."""
        if isinstance(event, dict) and event.get("orchestra") == "started":
            self.step_of_ns[str(event.get("namespace"))] = str(event.get("step_id"))
            step = (self.values.get("ledger") or {}).get(str(event.get("step_key")))
            if step is not None:
                self._status_line({**step, "status": "running", "attempts": event.get("attempt")})
            return
        said = event.get("a2a_status") if isinstance(event, dict) else None
        if said:
            step = str(said.get("step", "")).split(".", 1)[-1]
            self._say(f"           {step} [dim]{escape(str(said.get('text', '')))}[/dim]")

    def _orchestrator_event(self, node: str, change: dict[str, Any]) -> None:
        if node == "plan" and change.get("plan_error"):
            self._say(f"[red]plan rejected[/red]: {escape(change['plan_error'])} — asking again")
        before = self.values.get("ledger") or {}
        # Applied as the graph applies it: a new turn's plan overwrites the ledger.
        self.values = apply_update(self.values, change)
        ledger = self.values.get("ledger") or {}
        turn = self.values.get("turn")
        planned = [
            key
            for key, step in ledger.items()
            if key not in before or _assignment(before[key]) != _assignment(step)
        ]
        # A plan sent back for repair, or for a wider menu, is no plan yet.
        deciding = change.get("plan_error") or change.get("menu_need")
        if node == "plan" and "ledger" in change and not deciding:
            if planned:
                self._say(f"[bold]plan[/bold] (turn {turn}):")
            elif not any(step.get("turn") == turn for step in ledger.values()):
                self._say("[bold]plan[/bold]: no specialist needed; answering directly")
        for key, step in ledger.items():
            if key in planned:
                deps = ", ".join(d.split(".", 1)[1] for d in step.get("depends_on", []))
                after = f" (after {deps})" if deps else ""
                self._say(
                    f"  • {step.get('id')} [bold]{step.get('specialist')}[/bold]: "
                    f"{escape(str(step.get('objective', '')))}{after}"
                )
            status = step.get("status")
            if status != (before.get(key) or {}).get("status") and status != "waiting":
                self._status_line(step)
        if node == "finalize":
            self._say("[bold]answer ready[/bold]")

    def notice(self, namespace: tuple[str, ...], event: Any) -> None:
        """Say a retry while it happens: 'planner: attempt 2 of 3 after a 120 s time-out'."""
        if not isinstance(event, dict) or event.get("orchestra") != "retry":
            return
        step = self.step_of_ns.get(namespace[0], "") if namespace else ""
        where = f"{step} " if step else ""
        self._say(f"  [yellow]retrying[/yellow] {where}{escape(str(event.get('text', '')))}")

    def _status_line(self, step: dict[str, Any]) -> None:
        status = step.get("status", "?")
        style = _STYLE.get(status, "")
        extra = (
            f" — {escape(str(step['error']))}" if status == "failed" and step.get("error") else ""
        )
        if status in STOPPED and step.get("stops"):
            extra = f" — {escape(str(step['stops'][-1]['why']))}"
        attempt = f" (attempt {step['attempts']})" if step.get("attempts", 0) > 1 else ""
        name = f"{step.get('id')} {step.get('specialist')}"
        self._say(f"  [{style}]{status:>8}[/{style}] {name}{attempt}{extra}")

    def _specialist_event(self, ns: str, node: str, change: dict[str, Any]) -> None:
        if node == "tools":
            step = self.step_of_ns.get(ns, ns.split(":", 1)[0])
            for call in change.get("tools_called", []):
                mark = "[green]✓[/green]" if call.get("ok") else "[red]✗[/red]"
                self._say(f"           {step} {mark} {call.get('name')}")


def answer_token(namespace: tuple[str, ...], chunk: Any) -> bool:
    """Return True for a streamed piece of the answer (not a retry's progress message)."""
    message, meta = chunk
    return not namespace and meta.get("langgraph_node") == "finalize" and not is_progress(message)


def _assignment(step: Mapping[str, Any]) -> tuple[Any, ...]:
    """Return what a plan says of a step: who does it, what, after which steps."""
    return (step.get("specialist"), step.get("objective"), tuple(step.get("depends_on", [])))
