"""The `orchestra` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from graph.cli.failures import EXIT_USAGE, UsageError, explain
from graph.cli.stopping import run_stoppable
from state.ids import bad_thread_id


def thread_id(text: str) -> str:
    """Check a thread id from the command line: it names a folder, so it is data, not a path."""
    why = bad_thread_id(text)
    if why is not None:
        raise argparse.ArgumentTypeError(why)
    return text


def positive(text: str) -> int:
    """Check a count from the command line: a whole number, at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def seconds(text: str) -> float:
    """Check a duration from the command line: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    """Return the argument parser for every subcommand."""
    root = argparse.ArgumentParser(
        prog="orchestra", description="An orchestrator that plans and delegates to specialists."
    )
    sub = root.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="ask a question (a new turn on a thread)")
    ask.add_argument("question")
    ask.add_argument("--thread-id", type=thread_id, help="continue this conversation thread")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--yes", action="store_true", help="approve side effects (and plans)")
    ask.add_argument(
        "--review-plan", action="store_true", help="pause for your sign-off of each plan"
    )
    ask.add_argument("--stream", action="store_true", help="stream the answer's tokens")
    resume = sub.add_parser("resume", help="continue a stopped or waiting thread")
    resume.add_argument("thread_id", type=thread_id)
    resume.add_argument("--json", action="store_true")
    decision = resume.add_mutually_exclusive_group()
    decision.add_argument("--yes", action="store_true", help="approve the pending action")
    decision.add_argument("--reject", action="store_true", help="decline the pending action")
    resume.add_argument("--from", dest="checkpoint", help="fork from this checkpoint id")
    resume.add_argument(
        "--review-plan", action="store_true", help="pause for your sign-off of each new plan"
    )
    show = sub.add_parser("show", help="the plan ledger and per-step trace of a thread")
    show.add_argument("thread_id", type=thread_id)
    show.add_argument("--json", action="store_true")
    history = sub.add_parser("history", help="a thread's checkpoints")
    history.add_argument("thread_id", type=thread_id)
    history.add_argument("--json", action="store_true")
    team = sub.add_parser("team", help="list the team: specialists, tools, where they run")
    team.add_argument("--json", action="store_true")
    threads = sub.add_parser("threads", help="list threads")
    threads.add_argument("--json", action="store_true")
    demo = sub.add_parser("demo", help="the whole team offline, a scripted stand-in as model")
    demo.add_argument("--json", action="store_true")
    sample = sub.add_parser("sample", help="(re)generate the sample database and documents")
    sample.add_argument("--reset", action="store_true")
    evaluate = sub.add_parser("eval", help="score the team on a dataset (and the baselines)")
    evaluate.add_argument("dataset", nargs="?", help="a JSONL or YAML file of examples")
    evaluate.add_argument("--sample", action="store_true", help="the sample business's dataset")
    evaluate.add_argument(
        "--architecture",
        nargs="+",
        choices=("orchestra", "single", "supervisor"),
        default=["orchestra"],
        help="architectures to run side by side (default: orchestra)",
    )
    evaluate.add_argument("--repetitions", type=positive, default=1, metavar="K")
    evaluate.add_argument("--concurrency", type=positive, default=4, metavar="N")
    evaluate.add_argument("--limit", type=positive, metavar="N", help="the first N examples")
    evaluate.add_argument(
        "--timeout", type=seconds, default=600.0, metavar="S", help="seconds per example"
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument("--out", type=Path, metavar="DIR", help="results, charts, report")
    evaluate.add_argument("--dataset-name", help="the LangSmith dataset's name")
    keys = sub.add_parser("keys", help="API keys of a served deployment (ORCHESTRA_AUTH_KEYS)")
    keys_sub = keys.add_subparsers(dest="keys_action", required=True)
    add = keys_sub.add_parser("add", help="make a key for a user; it is printed this once")
    add.add_argument("user")
    add.add_argument("--json", action="store_true")
    listing = keys_sub.add_parser("list", help="every key: its user, id and date (never the key)")
    listing.add_argument("--json", action="store_true")
    revoke = keys_sub.add_parser("revoke", help="remove a key by its id, or all of a user's")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("key_id", nargs="?", help="the key's id, as `keys list` shows it")
    which.add_argument("--user", dest="revoked_user", help="revoke every key of this user")
    revoke.add_argument("--json", action="store_true")
    memory = sub.add_parser("memory", help="what Orchestra remembers about you; forget it")
    memory.add_argument("action", choices=("list", "show", "forget", "clear"))
    memory.add_argument("memory_id", nargs="?", metavar="ID", help="a memory (show, forget)")
    memory.add_argument("--json", action="store_true", help="print one JSON object")
    bench = sub.add_parser("bench", help="run the benchmark suite (from a source checkout)")
    bench.add_argument("bench_args", nargs=argparse.REMAINDER, help="options for the suite")
    return root


async def run(args: argparse.Namespace) -> int:
    """Run one parsed command and return its exit code."""
    from graph.cli.failures import load_settings

    # Every setting is checked before anything runs: a bad one is exit 2, naming it.
    load_settings()
    if args.command == "threads":
        # Listing reads one index query: it starts without building any graph.
        from graph.cli.thread_index import list_threads

        return await list_threads(as_json=args.json)
    if args.command == "show":
        # Reading reads the database alone: no model, team or graph is loaded for it.
        from graph.cli.inspection import show

        return await show(args.thread_id, as_json=args.json)
    if args.command == "keys":
        from graph.cli.keys import run_keys

        user = getattr(args, "user", None) or getattr(args, "revoked_user", None)
        key_id = getattr(args, "key_id", None)
        # A few lines of a small file: read and written off the event loop all the same.
        return await asyncio.to_thread(
            run_keys, args.keys_action, user=user, key_id=key_id, as_json=args.json
        )
    if args.command == "team":
        from graph.cli.team_view import show_team

        return await show_team(as_json=args.json)
    if args.command == "memory":
        from graph.cli.memory_view import memory_command

        return await memory_command(args.action, args.memory_id, as_json=args.json)
    from graph.cli import commands, inspection

    approve = True if getattr(args, "yes", False) else None
    if getattr(args, "reject", False):
        approve = False
    if args.command == "ask":
        return await commands.ask(
            args.question,
            thread_id=args.thread_id,
            as_json=args.json,
            approve=approve,
            stream=args.stream,
            review_plan=args.review_plan,
        )
    if args.command == "resume":
        return await commands.resume(
            args.thread_id,
            as_json=args.json,
            approve=approve,
            from_checkpoint=args.checkpoint,
            review_plan=args.review_plan,
        )
    if args.command == "history":
        return await inspection.history(args.thread_id, as_json=args.json)
    if args.command == "demo":
        from graph.cli.demo import run_demo

        return await run_demo(as_json=args.json)
    if args.command == "eval":
        from graph.cli.evaluate import EvalRequest, run_eval

        request = EvalRequest(
            dataset=args.dataset,
            sample=args.sample,
            architectures=tuple(dict.fromkeys(args.architecture)),
            repetitions=args.repetitions,
            concurrency=args.concurrency,
            limit=args.limit,
            timeout_s=args.timeout,
            as_json=args.json,
            out=args.out,
            dataset_name=args.dataset_name,
        )
        return await run_eval(request)
    if args.command == "sample":
        from graph.cli.demo import make_sample

        # Generating the sample writes files: off the event loop.
        return await asyncio.to_thread(make_sample, reset=args.reset)
    raise UsageError(f"unknown command {args.command}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn every failure into a message and an exit code."""
    args = parser().parse_args(argv)
    try:
        if args.command == "bench":
            from graph.cli.bench import run_bench

            # The suite runs its own event loops, so it starts outside ours.
            return run_bench(args.bench_args)
        return run_stoppable(run(args))
    except KeyboardInterrupt:
        kept = (
            "the finished examples are kept"
            if args.command == "eval"
            else "the run is saved (orchestra resume THREAD)"
        )
        print(f"orchestra: interrupted; {kept}", file=sys.stderr)
        return 130
    except Exception as exc:
        code, message = explain(exc)
        print(f"orchestra: error: {message}", file=sys.stderr)
        return code if code else EXIT_USAGE
