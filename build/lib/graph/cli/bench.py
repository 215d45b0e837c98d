"""`orchestra bench`: run the benchmark suite, which lives in the source checkout only."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from graph.cli.failures import UsageError


def run_bench(argv: Sequence[str]) -> int:
    """Run `benchmarks` from the checkout in the current folder."""
    # The suite is not part of the installed package; a checkout's folder provides it.
    if Path("benchmarks", "__main__.py").is_file() and "" not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        suite = importlib.import_module("benchmarks.__main__")
    except ModuleNotFoundError:
        raise UsageError(
            "the benchmark suite is not installed with the package: run `make bench` "
            "(or `orchestra bench`) from a source checkout of Orchestra"
        ) from None
    return int(suite.run_bench(list(argv)))
