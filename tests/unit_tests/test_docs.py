"""The README and docs/: the commands they show run as shown, and a broken link fails the site.

The commands a newcomer types first are run by their own tests (`make demo` is
test_demo.py's `orchestra demo`; the tour's ask, approve and show are the command-line
journey's); here every `orchestra` line of a page parses with the real parser and every
`make` target exists, so a renamed flag or target fails here before a reader finds it.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.cli.main import parser

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
COMMAND = re.compile(r"(make|orchestra|\.venv/bin/orchestra) ")


def shown(*languages: str) -> Iterator[tuple[str, list[str]]]:
    """Yield (page, words) for each command line in the pages' code blocks of `languages`."""
    for page in PAGES:
        for language, body in FENCE.findall(page.read_text()):
            if language in languages:
                for line in body.splitlines():
                    if COMMAND.match(line):
                        yield page.name, shlex.split(line, comments=True)


def test_the_readme_starts_with_make_demo_and_make_test() -> None:
    first = FENCE.search((REPO / "README.md").read_text())
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(2).splitlines()]
    assert commands == ["make demo", "make test"]


def test_every_orchestra_command_the_pages_show_parses() -> None:
    # Runnable commands are in bash blocks; plain blocks hold the synopses.
    commands = [(page, words) for page, words in shown("bash") if words[0] != "make"]
    assert len(commands) >= 10
    for page, words in commands:
        try:
            parser().parse_args(words[1:])
        except SystemExit:
            pytest.fail(f"{page}: `{shlex.join(words)}` does not parse")


def test_every_make_target_the_pages_show_exists() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([\w.-]+):", makefile, re.M))
    used = [(page, words[1]) for page, words in shown("bash", "") if words[0] == "make"]
    assert {"demo", "test", "eval", "serve"} <= {target for _, target in used}
    assert [(page, t) for page, t in used if t not in targets] == []


def test_a_broken_link_fails_the_sites_build_as_make_runs_it(tmp_path: Path) -> None:
    # The command `make docs` runs (make test runs the same): as it is in the Makefile.
    planned = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", ".venv/.installed", "docs"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [build] = [line for line in planned.splitlines() if "mkdocs build" in line]
    build = build.replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    site = tmp_path / "site"
    shutil.copytree(REPO / "docs", site / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "mkdocs.yml", site)
    shutil.copytree(REPO / "benchmarks", site / "benchmarks", ignore=lambda *_: ["large_team"])
    with (site / "docs" / "layout.md").open("a") as page:
        page.write("\nSee [the moved page](no-such-page.md).\n")
    done = subprocess.run(build, shell=True, cwd=site, capture_output=True, text=True)
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr
