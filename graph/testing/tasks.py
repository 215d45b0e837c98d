"""What a scripted task is: the steps that solve it, its checkable answer, an injected fault.

The benchmark's suite and the sample evaluation dataset's stand-in are played from tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["single", "parallel", "dependent", "failure", "scaling"]
ANSWER = "answer"
"""The fault target that names the final-answer call rather than a step."""


@dataclass(frozen=True)
class Step:
    """One delegation: a specialist, its objective, and the tool calls that do it."""

    id: str
    specialist: str
    objective: str
    calls: tuple[Mapping[str, Any], ...]
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fault:
    """A model endpoint outage: the call making `move` of `step` fails `times` times running."""

    step: str
    move: int = 0
    times: int = 3
    why: str = ""


@dataclass(frozen=True)
class Task:
    """A request, the steps (in a valid sequential order) that answer it, and its check."""

    name: str
    kind: Kind
    question: str
    steps: tuple[Step, ...]
    expect: tuple[str, ...] = ()
    expect_sql: str = ""
    fault: Fault | None = None
    specialists: tuple[str, ...] = field(default=())
    answer: str = ""
    """The final answer, when set; otherwise it is built from the steps' tool results."""

    def routed(self) -> set[str]:
        """Return the specialists a correct run delegates to."""
        return {s.specialist for s in self.steps}

    def step(self, step_id: str) -> Step:
        """Return a step by id."""
        return next(s for s in self.steps if s.id == step_id)

    def critical_chain(self, weight: Mapping[str, float]) -> float:
        """Return the heaviest dependency chain through the steps under per-step weights."""
        best: dict[str, float] = {}
        for s in self.steps:  # steps are listed in a valid order, so deps come first
            best[s.id] = weight.get(s.id, 0.0) + max((best[d] for d in s.depends_on), default=0.0)
        return max(best.values(), default=0.0)


def call(name: str, **args: Any) -> dict[str, Any]:
    """Return one tool call of a step."""
    return {"name": name, "args": args}


def sql(
    sid: str, objective: str, query: str, *, look: str = "", deps: tuple[str, ...] = ()
) -> Step:
    """Return a sql_analyst step: optionally describe a table, then run one query."""
    first = (call("describe_table", table=look),) if look else ()
    return Step(sid, "sql_analyst", objective, (*first, call("run_sql", query=query)), deps)


def doc(sid: str, objective: str, query: str, document: str, section: str) -> Step:
    """Return a doc_researcher step: search, then read the section that answers."""
    calls = (call("search_docs", query=query), call("read_doc", doc=document, section=section))
    return Step(sid, "doc_researcher", objective, calls)


def python(sid: str, objective: str, code: str, deps: tuple[str, ...] = ()) -> Step:
    """Return a data_analyst step that runs one piece of sandboxed Python."""
    return Step(sid, "data_analyst", objective, (call("run_python", code=code),), deps)


def report(sid: str, objective: str, title: str, deps: tuple[str, ...]) -> Step:
    """Return a report_writer step that writes one report file."""
    body = f"# {title}\n\nThe findings, numbers and sources are in the reports this step uses."
    calls = (call("write_report", title=title, body_markdown=body),)
    return Step(sid, "report_writer", objective, calls, deps)


LOAD_CSV = """import csv, glob
def load(*header):
    for path in sorted(glob.glob("inputs/*.csv")):
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        if rows and tuple(rows[0]) == header:
            return rows
    raise SystemExit("no input file with columns " + ",".join(header))
"""
"""Find an input CSV by its columns: file names differ between architectures."""
