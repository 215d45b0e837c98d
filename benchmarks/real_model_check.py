"""`make real-model-check`: Orchestra with a real small model on the CPU, end to end.

Serves Gemma 3 270M (its GGUF file from its PyPI package, put together by the make target)
through llama-cpp-python's OpenAI-compatible server with a function-calling chat format, then
runs `orchestra ask` and `orchestra eval --sample --limit 3` against it as a user would, and
keeps what happened in benchmarks/real_model.json (rendered in RESULTS.md). A weak model is
the point: it shows what Orchestra does when the model misbehaves. Nothing here is in
`make test`; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from state.text import clipped

FIGURES = Path(__file__).with_name("real_model.json")
CHAT_FORMAT = "chatml-function-calling"
QUESTION = "How many orders were placed in 2025?"
LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")
ACCESS = re.compile(r'"POST /v1/chat/completions HTTP/1\.1" (\d+)')
# A CPU, two cores: generous per-call time, short outputs.
SETTINGS = {
    "ORCHESTRA_MODEL_TIMEOUT_S": "240",
    "ORCHESTRA_RETRY_ATTEMPTS": "2",
    "ORCHESTRA_MAX_TOKENS_PLAN": "400",
    "ORCHESTRA_MAX_TOKENS_STEP": "300",
    "ORCHESTRA_MAX_TOKENS_ANSWER": "300",
    "ORCHESTRA_MAX_TOKENS_SUMMARY": "200",
}


@contextmanager
def llama_server(model: Path, log: Path) -> Iterator[str]:
    """Serve the model with llama.cpp's OpenAI-compatible server; yield its /v1 URL."""
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--chat_format",
        CHAT_FORMAT,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--n_ctx",
        "8192",
    ]
    with log.open("w") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (found := LISTENING.search(log.read_text())):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"llama.cpp's server did not start; see {log}")
            time.sleep(0.5)
        yield found.group(1) + "/v1"
    finally:
        server.terminate()
        server.wait(timeout=30)


def orchestra(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one `orchestra` command; return its exit code, time, stderr's end and its JSON."""
    began = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "orchestra"), *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    lines = done.stdout.strip().splitlines()
    try:
        printed = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        printed = None
    return {
        "command": shlex.join(["orchestra", *args]),
        "exit": done.returncode,
        "seconds": round(time.perf_counter() - began, 1),
        "stderr": done.stderr.strip().splitlines()[-12:],
        "json": printed,
    }


def served_requests(log: Path) -> dict[str, int]:
    """Return the chat requests the server answered, by HTTP status, from its access log."""
    counts: dict[str, int] = {}
    for status in ACCESS.findall(log.read_text()):
        counts[status] = counts.get(status, 0) + 1
    return counts


def ask_figures(run: dict[str, Any]) -> dict[str, Any]:
    """Return what `orchestra ask` did: exit, status, answer, usage, steps, error."""
    out = run["json"] or {}
    return {
        **{k: run[k] for k in ("command", "exit", "seconds", "stderr")},
        "status": out.get("status"),
        "answer": out.get("answer"),
        "usage": out.get("usage"),
        "steps": [
            {k: s.get(k) for k in ("id", "specialist", "status", "error")}
            for s in out.get("steps", [])
        ],
        "failed_calls": out.get("failed_calls", []),
        "error": out.get("error"),
    }


def eval_figures(run: dict[str, Any]) -> dict[str, Any]:
    """Return what `orchestra eval` did: each example's status, scores, calls and error."""
    out = run["json"] or {}
    keep = ("id", "status", "facts", "trajectory", "calls", "tokens", "seconds", "error")
    return {
        **{k: run[k] for k in ("command", "exit", "seconds", "stderr")},
        "examples": [{k: e.get(k) for k in keep} for e in out.get("examples", [])],
    }


def check(model: Path) -> dict[str, Any]:
    """Run the check end to end and return what happened."""
    with tempfile.TemporaryDirectory(prefix="orchestra-real-") as folder:
        home, log = Path(folder), Path(folder) / "llama-server.log"
        with llama_server(model, log) as url:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRA_")},
                **SETTINGS,
                "ORCHESTRA_HOME": str(home / ".orchestra"),
                "ORCHESTRA_MODEL": "openai:gemma-3-270m",
                "OPENAI_BASE_URL": url,
                "OPENAI_API_KEY": "local",
                "LANGSMITH_TRACING": "false",
                "COLUMNS": "200",
            }
            asked = orchestra(["ask", QUESTION, "--json", "--yes"], env)
            # One example at a time: the server answers one request at a time anyway.
            sample = ["eval", "--sample", "--limit", "3", "--concurrency", "1", "--json"]
            evaluated = orchestra(sample, env)
        return {
            "date": datetime.now(UTC).date().isoformat(),
            "model": model.name,
            "server": f"llama-cpp-python, chat format {CHAT_FORMAT}, tool_choice the Plan tool",
            "settings": SETTINGS,
            "ask": ask_figures(asked),
            "eval": eval_figures(evaluated),
            "server_requests": served_requests(log),
        }


def section() -> list[str]:
    """Return RESULTS.md's lines for the last check (none before one)."""
    if not FIGURES.exists():
        return []
    figures = json.loads(FIGURES.read_text())
    ask, evaluated = figures["ask"], figures["eval"]
    usage = ask.get("usage") or {}
    lines = [
        "## A real model (`make real-model-check`)",
        "",
        f"{figures['date']}: {figures['model']} on the CPU through {figures['server']}.",
        "",
        f"- `{ask['command']}`: exit {ask['exit']}, status {ask['status']} in {ask['seconds']} s, "
        f"{usage.get('llm_calls')} calls counted; error: "
        + clipped(ask.get("error") or "none", 240, " (whole in real_model.json)"),
        f"- `{evaluated['command']}`: exit {evaluated['exit']} in {evaluated['seconds']} s",
        "",
        "| example | status | facts | calls | error |",
        "|---|---|---|---|---|",
    ]
    for example in evaluated["examples"]:
        whole = " (whole in real_model.json)"
        error = clipped(str(example.get("error") or ""), 240, whole).replace("|", "/")
        lines.append(
            f"| {example['id']} | {example['status']} | {example['facts']} | "
            f"{example['calls']} | {error} |"
        )
    counted = (usage.get("llm_calls") or 0) + sum(e["calls"] or 0 for e in evaluated["examples"])
    answered = sum(figures["server_requests"].values())
    return [
        *lines,
        "",
        f"Orchestra counted {counted} model calls; the server's access log shows {answered} "
        "answered (a request abandoned at its time-out is counted by Orchestra, and logged by "
        "the server only if it finished generating before the server stopped).",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the check, keep its figures and render RESULTS.md again."""
    parser = argparse.ArgumentParser(prog="real_model_check", description=__doc__)
    parser.add_argument("--model", type=Path, required=True, help="the GGUF file")
    args = parser.parse_args(argv)
    figures = check(args.model)
    FIGURES.write_text(json.dumps(figures, indent=1) + "\n")
    from benchmarks import publish

    publish.main()
    print(json.dumps({"ask": figures["ask"], "eval": figures["eval"]}, indent=1))
    # Orchestra behaved if every failure was a clear stop: exit 0 or 3, never a traceback.
    said = [*figures["ask"]["stderr"], *figures["eval"]["stderr"]]
    clean = not any("Traceback" in line for line in said)
    return 0 if clean and figures["ask"]["exit"] in (0, 3) and figures["eval"]["exit"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
