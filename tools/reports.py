"""Write a markdown report file with its charts next to it."""

from __future__ import annotations

import filecmp
import shutil
from collections.abc import Sequence
from pathlib import Path

from tools.effects import write_atomically
from tools.errors import ToolError
from tools.sandbox_files import unique_path

MAX_TITLE_CHARS = 200
MAX_BODY_CHARS = 200_000
CHART_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg")


def _validate(title: str, body_markdown: str, charts: Sequence[Path]) -> tuple[str, list[Path]]:
    title = " ".join(title.split())
    if not title:
        raise ToolError("the report needs a title")
    if len(title) > MAX_TITLE_CHARS:
        raise ToolError(f"title is too long ({len(title)} characters; limit {MAX_TITLE_CHARS})")
    if not body_markdown.strip():
        raise ToolError("the report body is empty")
    if len(body_markdown) > MAX_BODY_CHARS:
        raise ToolError(
            f"body is too long ({len(body_markdown):,} characters; limit {MAX_BODY_CHARS:,})"
        )
    paths = [Path(c) for c in charts]
    for chart in paths:
        if not chart.is_file():
            raise ToolError(f"chart not found: {chart}")
        if chart.suffix.lower() not in CHART_SUFFIXES:
            raise ToolError(f"chart '{chart.name}' is not an image ({', '.join(CHART_SUFFIXES)})")
    return title, paths


def write_report(
    title: str, body_markdown: str, *, path: Path, charts: Sequence[Path] = ()
) -> Path:
    """Write the report at ``path`` (whole or not at all), its charts linked beside it."""
    title, paths = _validate(title, body_markdown, charts)
    run_dir = Path(path).parent
    run_dir.mkdir(parents=True, exist_ok=True)
    body = body_markdown.strip()
    first, _, rest = body.partition("\n")
    if first.lstrip("# ").strip() == title and first.startswith("# "):
        body = rest.strip()  # the model repeated the title as a heading: keep one
    links = []
    for chart in paths:
        local = chart
        if chart.resolve().parent != run_dir.resolve():
            local = run_dir / chart.name
            # The same chart again (a re-run) is the file already there, not a second copy.
            if not (local.is_file() and filecmp.cmp(chart, local, shallow=False)):
                local = unique_path(run_dir, chart.name)
                shutil.copyfile(chart, local)
        links.append(f"![{local.stem}]({local.name})")
    text = f"# {title}\n\n{body}\n"
    # A chart counts as placed only where the body links it as an image, not merely names it.
    missing = [link for link in links if "](" + link.split("](", 1)[1] not in body]
    if missing:
        text += "\n## Charts\n\n" + "\n\n".join(missing) + "\n"
    write_atomically(Path(path), text)
    return Path(path)
