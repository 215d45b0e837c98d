"""Live progress on the terminal: the plan, each step's state as it changes, tool calls."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

_STYLE = {
    "waiting": "dim",
    "running": "yellow",
    "needs_review": "magenta",
    "done": "green",
    "reused": "cyan",
    "failed": "red",
    "dropped": "dim red",
}


class Progress:
    """Print run events as they stream: one line per change, readable in logs too."""

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.steps: dict[str, dict[str, Any]] = {}
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

    def _orchestrator_event(self, node: str, change: dict[str, Any]) -> None:
        ledger = change.get("ledger") or {}
        if node == "plan" and change.get("plan_error"):
            self._say(f"[red]plan rejected[/red]: {escape(change['plan_error'])} — asking again")
            return
        new = {k: v for k, v in ledger.items() if "specialist" in v}
        if node == "plan":
            if new:
                self._say(f"[bold]plan[/bold] (turn {change.get('turn')}):")
            elif not ledger:
                self._say("[bold]plan[/bold]: no specialist needed; answering directly")
        for key, fields in ledger.items():
            before = self.steps.get(key, {}).get("status")
            self.steps[key] = {**self.steps.get(key, {}), **fields}
            step = self.steps[key]
            if "specialist" in fields:
                deps = ", ".join(d.split(".", 1)[1] for d in step.get("depends_on", []))
                after = f" (after {deps})" if deps else ""
                self._say(
                    f"  • {step['id']} [bold]{step['specialist']}[/bold]: "
                    f"{escape(step['objective'])}{after}"
                )
            status = step.get("status")
            if status != before and status != "waiting":
                self._status_line(step)
        if node == "finalize":
            self._say("[bold]answer ready[/bold]")

    def _status_line(self, step: dict[str, Any]) -> None:
        status = step.get("status", "?")
        style = _STYLE.get(status, "")
        extra = (
            f" — {escape(str(step['error']))}" if status == "failed" and step.get("error") else ""
        )
        attempt = f" (attempt {step['attempts']})" if step.get("attempts", 0) > 1 else ""
        name = f"{step.get('id')} {step.get('specialist')}"
        self._say(f"  [{style}]{status:>8}[/{style}] {name}{attempt}{extra}")

    def _specialist_event(self, ns: str, node: str, change: dict[str, Any]) -> None:
        if isinstance(change.get("brief"), dict) and ns not in self.step_of_ns:
            self.step_of_ns[ns] = change["brief"].get("step_id", "?")
        elif node == "tools":
            step = self.step_of_ns.get(ns, ns.split(":", 1)[0])
            for call in change.get("tools_called", []):
                mark = "[green]✓[/green]" if call.get("ok") else "[red]✗[/red]"
                self._say(f"           {step} {mark} {call.get('name')}")
