"""The published plots: prompt per call, scaling curves, parallel wall time vs critical path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from benchmarks.architectures import ORCHESTRA, SINGLE, SUPERVISOR

COLORS = {ORCHESTRA: "tab:blue", SINGLE: "tab:red", SUPERVISOR: "tab:green"}


def prompt_tokens(runs: list[dict[str, Any]], path: Path) -> None:
    """Box plot of prompt tokens per call, by architecture and kind of call."""
    groups: dict[str, list[int]] = {}
    for r in runs:
        if r["repeat"] == 0 and r["kind"] != "failure":
            for c in r["calls"]:
                if c["ok"]:
                    groups.setdefault(f"{r['arch']}\n{c['kind']}", []).append(c["input_tokens"])
    labels = sorted(groups)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.boxplot([groups[k] for k in labels], tick_labels=labels, showfliers=False)
    ax.set_ylabel("prompt tokens per call")
    ax.set_title("Prompt tokens per model call (sample suite)")
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def scaling(rows: list[dict[str, Any]], path: Path) -> None:
    """Median prompt per call against registry size, one line per architecture and call kind."""
    series = [
        (ORCHESTRA, "planner", "-"),
        (ORCHESTRA, "specialist", "--"),
        (SINGLE, "single_agent", "-"),
        (SUPERVISOR, "supervisor", "-"),
        (SUPERVISOR, "specialist", "--"),
    ]
    fig, ax = plt.subplots(figsize=(7, 4))
    for arch, kind, style in series:
        points = [(r["size"], r[kind]) for r in rows if r["arch"] == arch and r[kind]]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, style, marker="o", color=COLORS[arch], label=f"{arch}: {kind}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("specialists in the registry (3 tools each)")
    ax.set_ylabel("median prompt tokens per call")
    ax.set_title("How the prompt per call grows with the registry")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def parallel(rows: list[dict[str, Any]], latency: float, path: Path) -> None:
    """Grouped bars of wall time per parallel task, with Orchestra's critical path marked."""
    fig, ax = plt.subplots(figsize=(8, 4))
    archs = [a for a in (ORCHESTRA, SINGLE, SUPERVISOR) if any(r.get(a) for r in rows)]
    width = 0.8 / max(1, len(archs))
    for i, arch in enumerate(archs):
        xs = [j + i * width for j in range(len(rows))]
        ax.bar(xs, [r.get(arch) or 0 for r in rows], width, color=COLORS[arch], label=arch)
    ax.scatter(
        range(len(rows)),
        [r["critical_path"] or 0 for r in rows],
        marker="_",
        s=400,
        color="black",
        label="critical path",
        zorder=3,
    )
    ax.set_xticks([j + width for j in range(len(rows))], [r["task"] for r in rows], fontsize=7)
    ax.set_ylabel("wall time, s")
    ax.set_title(f"Parallel tasks at {latency} s per model call")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
