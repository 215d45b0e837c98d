"""`orchestra eval`: score the team on a dataset, side by side with the baselines.

Everything the run needs is checked before any model call: the dataset (a bad line is exit 2
naming file and line), the team, the architectures and the models. With LANGSMITH_API_KEY
set, each architecture's run is a LangSmith experiment on the dataset.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.panel import Panel

from graph.build import pinned_models
from graph.cli.consoles import err, out
from graph.cli.eval_view import Watcher, payload, summary_table
from graph.cli.failures import EXIT_OK, UsageError, load_settings
from graph.cli.session import check_models, opened_team
from graph.evaluation.baselines import supervisor_available
from graph.evaluation.contenders import contenders
from graph.evaluation.experiments import langsmith_configured, run_experiments
from graph.evaluation.report import write_all
from graph.evaluation.runner import Evaluation, Limits
from graph.models import ModelResolver, ModelSpec
from nodes.judge import JUDGE_ROLE
from nodes.specialists.spec import SpecialistSpec
from nodes.specialists.team import load_team
from state.context import Context
from state.dataset import DatasetError, Example, check_specialists, load_dataset
from state.settings import Settings
from state.team_file import TeamFileError

ARCHITECTURES = ("orchestra", "single", "supervisor")
STAND_IN_NOTICE = (
    "SCRIPTED STAND-IN: no real model is called. A scripted chat model plays the sample "
    "dataset in every architecture (its plans and wording are scripted); the SQL, document "
    "search, sandboxed Python and report file are real, on the sample data. Set "
    "ORCHESTRA_MODEL to evaluate a real model."
)


@dataclass(frozen=True)
class EvalRequest:
    """What `orchestra eval` was asked to do."""

    dataset: str | None = None
    sample: bool = False
    architectures: tuple[str, ...] = ("orchestra",)
    repetitions: int = 1
    concurrency: int = 4
    limit: int | None = None
    timeout_s: float = 600.0
    as_json: bool = False
    out: Path | None = None
    dataset_name: str | None = None


def dataset_path(request: EvalRequest, settings: Settings) -> Path:
    """Return the dataset file: the one named, or the sample's, written from its database."""
    if request.sample == bool(request.dataset):
        raise UsageError("give a DATASET file or --sample (the sample business's dataset)")
    if not request.sample:
        return Path(str(request.dataset))
    if settings.database_url or settings.docs_dir:
        raise UsageError(
            "--sample checks answers against the sample business: unset "
            "ORCHESTRA_DATABASE_URL and ORCHESTRA_DOCS_DIR to run it"
        )
    from graph.evaluation.sample_dataset import write_sample_dataset
    from tools.sample import ensure_sample

    return write_sample_dataset(ensure_sample(settings.home.resolve()))


def read_examples(request: EvalRequest, settings: Settings) -> tuple[Path, list[Example]]:
    """Return the dataset's path and examples (at most --limit), or raise a usage error."""
    path = dataset_path(request, settings)
    try:
        examples = load_dataset(path)
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    return path, examples[: request.limit] if request.limit else examples


def choose_models(
    request: EvalRequest,
    examples: list[Example],
    context: Context,
    team: list[SpecialistSpec],
    models: dict[str, ModelSpec] | None,
) -> dict[str, ModelSpec] | None:
    """Return the models to run: the configured ones, or the sample's scripted stand-in."""
    if models is None and request.sample and not context.model_for("orchestrator"):
        from graph.testing.sample_plays import sample_stand_in

        err.print(Panel(STAND_IN_NOTICE, title="orchestra eval --sample", border_style="yellow"))
        return {"default": sample_stand_in(examples)}
    check_models(models, context, team, pinned_models(team))
    return models


async def run_eval(request: EvalRequest, models: dict[str, ModelSpec] | None = None) -> int:
    """Run `orchestra eval` and return its exit code."""
    settings = load_settings()
    path, examples = await asyncio.to_thread(read_examples, request, settings)
    if "supervisor" in request.architectures and (why := supervisor_available()):
        raise UsageError(why)
    try:
        context = Context.from_env()
        declared = load_team(settings.team)
    except (ValueError, TeamFileError) as exc:
        raise UsageError(str(exc)) from None
    async with opened_team(declared) as team:
        try:
            check_specialists(examples, [s.name for s in team], path)
        except DatasetError as exc:
            raise UsageError(str(exc)) from None
        chosen = choose_models(request, examples, context, team, models)
        resolver = ModelResolver(chosen, pinned_models(team))
        judge = resolver.own(JUDGE_ROLE, context)
        built = contenders(request.architectures, chosen, team, declared.guardrails, context)
        limits = Limits(request.repetitions, request.concurrency, request.timeout_s)
        jobs = len(examples) * len(built) * request.repetitions
        watcher = Watcher(err, jobs, str(path), request.out)
        evaluation = Evaluation(examples, built, judge, limits, on_result=watcher)
        try:
            results = await _run(evaluation, request, path)
        except asyncio.CancelledError:
            # Ctrl-C: the finished examples are kept in --out, the rest are not started.
            watcher.close()
            await _write(request, payload(str(path), evaluation.ordered(), interrupted=True))
            err.print(f"interrupted: {len(evaluation.results)} of {jobs} runs finished")
            raise
        watcher.close()
    report = payload(str(path), results)
    await _write(request, report)
    if request.as_json:
        print(json.dumps(report, default=str))
    else:
        out.print(summary_table(report["summary"]))
    return EXIT_OK


async def _run(evaluation: Evaluation, request: EvalRequest, path: Path) -> list[dict[str, Any]]:
    """Run locally, or as LangSmith experiments when LangSmith is configured."""
    if not langsmith_configured():
        return await evaluation.run()
    name = request.dataset_name or (
        "orchestra-sample" if request.sample else f"orchestra-{path.stem}"
    )
    urls = await run_experiments(evaluation, name)
    for arch, url in urls.items():
        err.print(f"LangSmith experiment ({arch}): {url}", highlight=False, soft_wrap=True)
    return evaluation.ordered()


async def _write(request: EvalRequest, report: dict[str, Any]) -> None:
    """Write results.json, the charts and the page into --out, when asked."""
    if request.out is None:
        return
    written = await asyncio.to_thread(write_all, request.out, report)
    err.print(f"wrote {len(written)} files to {request.out}", highlight=False)
