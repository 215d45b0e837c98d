"""Looking at runs without running anything: show and history (threads: thread_index)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from graph.cli.consoles import err, out
from graph.cli.failures import EXIT_OK, UsageError, load_settings
from graph.cli.run_view import summarize
from graph.cli.thread_state import Snapshot, read_latest
from graph.persistence.thread_reader import open_reader
from nodes.guards.events import thread_events
from state.archive import Archive
from state.stops import STOPPED

if TYPE_CHECKING:
    from langgraph.types import StateSnapshot


async def show(thread: str, *, as_json: bool) -> int:
    """Print the plan ledger and a per-step trace of a thread, from its checkpoints."""
    settings = load_settings()
    summary = None
    # Read straight from the database: the latest checkpoint and the records shown.
    async with open_reader(settings.checkpointer_url()) as reader:
        snapshot = await read_latest(reader, thread, settings.user) if reader else None
        if reader and snapshot is not None:
            archive = Archive(reader.store, thread, settings.user)
            summary = await thread_summary(thread, snapshot, archive)
    if summary is None:
        summary = await summary_from_graph(thread)
    if as_json:
        print(json.dumps(summary, default=str))
        return EXIT_OK
    out.print(run_tree(summary))
    if summary.get("resume"):
        # The error names the node it stopped in ("plan: PlanError: ..."), whole.
        where = summary.get("error") or "before " + ", ".join(summary["stopped_at"])
        out.print(f"stopped at {where}", highlight=False, markup=False)
        out.print(f"continue with: {summary['resume']}")
    elif summary["status"] == "interrupted":
        out.print(f"waiting for approval: orchestra resume {thread} --yes (or --reject)")
    return EXIT_OK


async def summary_from_graph(thread: str) -> dict[str, Any]:
    """Return the thread's summary read through the compiled graph (what show did before)."""
    from graph.cli.session import open_session

    async with open_session(need_models=False, existing=True) as session:
        if not await session.thread_exists(thread):
            raise UsageError(f"unknown thread '{thread}' (see: orchestra threads)")
        snapshot = await session.graph.aget_state(session.config(thread))
        return await thread_summary(thread, snapshot, session.archive(thread))


async def thread_summary(
    thread: str, snapshot: Snapshot | StateSnapshot, archive: Archive
) -> dict[str, Any]:
    """Return the run as `show --json` prints it: this turn's state and the Archive's turns."""
    archived = await archive.asteps()
    stops, failed = await archive.astops(), await archive.afailed_calls()
    summary = summarize(thread, snapshot, archived, stops, failed)
    menus, trips = await archive.amenus(), await archive.atrips()
    remembered = await archive.amemory()
    # Every turn's guardrail trips, the earlier ones from the Archive.
    summary["guardrails"] = thread_events(snapshot.values or {}, archived, trips)
    # Each turn's menu (what the planner was offered, and how long choosing it took) and
    # its memories (which it used, which it wrote or forgot).
    summary["turns"] = turn_rows(menus, remembered, (snapshot.values or {}).get("memory"))
    return summary


def run_tree(summary: dict[str, Any]) -> Tree:
    """Render a run as a tree: turns, then steps with status, attempts, time, tokens, tools."""
    usage = summary["usage"]
    root = Tree(
        f"[bold]thread {summary['thread_id']}[/bold] — {summary['status']} · "
        f"{usage['llm_calls']} calls · {usage['input_tokens']}+{usage['output_tokens']} tokens"
    )
    turns: dict[int, Tree] = {}
    events = summary.get("guardrails", [])
    for step in summary["steps"]:
        turn = turns.get(step["turn"]) or root.add(f"turn {step['turn']}")
        turns[step["turn"]] = turn
        tokens = step["usage"]["input_tokens"] + step["usage"]["output_tokens"]
        line = (
            f"{step['id']} [bold]{step['specialist']}[/bold] {step['status']} · "
            f"attempts {step['attempts']} (model {step['model_attempts']}) · "
            f"{step['seconds']:.2f}s · {tokens} tokens"
        )
        node = turn.add(line)
        node.add(f"[dim]{step['objective']}[/dim]")
        if step["tools"]:
            node.add("tools: " + ", ".join(step["tools"]))
        if step.get("remote_thread_id"):
            node.add(f"remote thread: {step['remote_thread_id']}")
        if step["reused_from"]:
            node.add(f"reused report {step['reused_from']}")
        if step["error"] and step["status"] not in STOPPED:
            node.add(f"[red]error: {step['error']}[/red]")
        for stop in step["stops"]:
            node.add(f"[magenta]{stop['status']} at {stop['at']}[/magenta]: {escape(stop['why'])}")
        for item in step["artifacts"]:
            node.add(f"artifact: {item}")
        for source in step["sources"]:
            node.add(f"source: {source}")
        for event in (e for e in events if e.get("step") == step["key"]):
            node.add(trip_line(event))
    for event in (e for e in events if not e.get("step")):
        at = event.get("turn", 0)
        turn = turns.get(at) or root.add(f"turn {at}")
        turns[at] = turn
        turn.add(trip_line(event))
    for row in summary.get("turns", []):
        lines = memory_lines(row.get("memories") or {})
        if lines:
            turn = turns.get(row["turn"]) or root.add(f"turn {row['turn']}")
            turns[row["turn"]] = turn
            for line in lines:
                turn.add(line)
    for call in summary.get("failed_calls", []):
        # Calls of a node that failed: counted above, each error listed whole.
        at = call.get("turn", 0)
        turn = turns.get(at) or root.add(f"turn {at}")
        turns[at] = turn
        usage = call["usage"]
        # A call that succeeded after failed attempts: its usage is the node's own.
        how = "[yellow]retried[/yellow]" if call.get("recovered") else "[red]failed[/red]"
        counted = f"{usage['llm_calls']} calls · {usage['input_tokens'] + usage['output_tokens']}"
        node = turn.add(
            f"{call['what']} {how} ({call['node']}, {call['at']})"
            + ("" if call.get("recovered") else f" · {counted} tokens")
        )
        for number, error in enumerate(call.get("errors", []), 1):
            node.add(f"{number}. {escape(error)}")
    if summary.get("note"):
        root.add(f"note: {summary['note']}")
    return root


def turn_rows(
    menus: dict[int, dict[str, Any]],
    remembered: dict[int, dict[str, Any]],
    current: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """Return each turn's menu and memories, this turn's memories from the state."""
    records = {**remembered, **({int(current["turn"]): current} if current else {})}
    rows = []
    for turn in sorted({*menus, *records}):
        row: dict[str, Any] = {"turn": turn}
        if turn in menus:
            row.update(menu=menus[turn]["names"], menu_ms=menus[turn]["ms"])
        if turn in records:
            kept = records[turn]
            row["memories"] = {k: kept.get(k) or [] for k in ("used", "wrote", "forgot")}
        rows.append(row)
    return rows


def memory_lines(memories: dict[str, Any]) -> list[str]:
    """Render a turn's memories: those it recalled, wrote and forgot."""
    lines = [
        f"[cyan]recalled memory {m['id']}[/cyan]: {escape(m['text'])}"
        for m in memories.get("used", [])
    ]
    lines += [
        f"[cyan]{m.get('action', 'wrote')} memory {m['id']}[/cyan]: {escape(m['text'])}"
        for m in memories.get("wrote", [])
    ]
    lines += [f"[cyan]forgot memory {key}[/cyan]" for key in memories.get("forgot", [])]
    return lines


def trip_line(event: dict[str, Any]) -> str:
    """Render a guardrail trip: which, at what stage, what it did, why."""
    decided = f", {event['decision']}" if event.get("decision") else ""
    return (
        f"[magenta]guardrail {event['name']}[/magenta] ({event['stage']}, "
        f"{event['action']}{decided}): {escape(str(event.get('detail', '')))}"
    )


async def history(thread: str, *, as_json: bool) -> int:
    """List a thread's checkpoints, newest first; resume --from forks from one."""
    from graph.cli.session import open_session

    async with open_session(need_models=False, existing=True) as session:
        if not await session.thread_exists(thread):
            raise UsageError(f"unknown thread '{thread}' (see: orchestra threads)")
        rows = []
        async for snap in session.graph.aget_state_history(session.config(thread)):
            meta = snap.metadata or {}
            rows.append(
                {
                    "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
                    "step": meta.get("step"),
                    "source": meta.get("source"),
                    "next": list(snap.next),
                    "created_at": snap.created_at,
                }
            )
        if as_json:
            print(json.dumps(rows, default=str))
            return EXIT_OK
        table = Table("checkpoint", "step", "source", "next", "created")
        for row in rows:
            table.add_row(
                row["checkpoint_id"],
                str(row["step"]),
                str(row["source"]),
                ", ".join(row["next"]),
                str(row["created_at"]),
            )
        out.print(table)
        err.print(f"fork from one with: orchestra resume {thread} --from CHECKPOINT_ID")
        return EXIT_OK
