"""Shared fixtures: an isolated environment for every test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tools.sample import ensure_sample

_ISOLATED_PREFIXES = ("ORCHESTRA_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the markers the suite uses."""
    config.addinivalue_line(
        "markers", "fresh_home: the test's home starts without the session's sample copied in"
    )


@pytest.fixture(scope="session")
def session_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate the sample business once per session (per worker); homes get a copy."""
    return ensure_sample(tmp_path_factory.mktemp("session")).db_path.parent


def copy_sample(sample: Path, home: Path) -> None:
    """Put a copy of the session's sample where a home keeps it (as `orchestra sample` would)."""
    shutil.copytree(sample, home / "sample")


@pytest.fixture(autouse=True)
def isolated_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Path:
    """Run each test with no real keys or endpoints and its own ORCHESTRA_HOME."""
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES) and name != "ORCHESTRA_TEST_POSTGRES_URL":
            monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    if request.node.get_closest_marker("fresh_home") is None:
        copy_sample(request.getfixturevalue("session_sample"), home)
    monkeypatch.setenv("ORCHESTRA_HOME", str(home))
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    return home
