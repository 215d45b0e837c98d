"""Reviews on the command line: pending approvals shown, answered in the HITL format."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.markup import escape

from graph.cli.consoles import err
from graph.cli.failures import EXIT_APPROVAL
from nodes.hitl import approve_all, reject_all

REJECTED_HERE = "rejected from the command line"


def decide(interrupts: Any, approve: bool | None) -> dict[str, Any] | None:
    """Return resume values by interrupt id, in LangChain's HITL decision format, or None."""
    answers: dict[str, Any] = {}
    for pending in interrupts:
        request = pending.value if isinstance(pending.value, dict) else {}
        actions = request.get("action_requests", [])
        for action in actions:
            err.print(
                f"[magenta]review needed[/magenta]: {escape(action.get('description', ''))}\n"
                f"  {action.get('name')} {escape(json.dumps(action.get('args', {}))[:600])}",
                highlight=False,
            )
        if approve is not None:
            err.print("approved" if approve else "rejected")
            answers[pending.id] = (
                approve_all(request) if approve else reject_all(request, REJECTED_HERE)
            )
        elif sys.stdin.isatty():
            answers[pending.id] = {"decisions": [ask_decision(a) for a in actions]}
        else:
            return None
    return answers


def ask_decision(action: dict[str, Any]) -> dict[str, Any]:
    """Ask on the terminal for one action's decision: approve, edit or reject."""
    while True:
        # Not markup: the brackets are what the person reads.
        prompt = f"{action.get('name')}: [a]pprove, [e]dit, [r]eject? "
        answer = err.input(prompt, markup=False).strip().lower()
        if answer in ("a", "approve", "y", "yes"):
            return {"type": "approve"}
        if answer in ("r", "reject", "n", "no", ""):
            reason = err.input("why (optional)? ").strip()
            return {"type": "reject", "message": reason or REJECTED_HERE}
        if answer in ("e", "edit"):
            text = err.input("new arguments as JSON: ")
            try:
                args = json.loads(text)
            except json.JSONDecodeError as exc:
                err.print(f"[red]not JSON[/red]: {exc}")
                continue
            if isinstance(args, dict):
                return {"type": "edit", "edited_action": {"name": action.get("name"), "args": args}}
            err.print("[red]the arguments must be a JSON object[/red]")


def waiting(thread: str, summary: dict[str, Any], as_json: bool) -> int:
    """Report a run that waits for approval, and exit 4."""
    err.print(
        f"thread {thread} is waiting for review: orchestra resume {thread} --yes (or --reject)"
    )
    if as_json:
        print(json.dumps(summary, default=str))
    return EXIT_APPROVAL
