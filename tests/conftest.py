"""Shared fixtures: an isolated environment for every test."""

from __future__ import annotations

import os

import pytest

_ISOLATED_PREFIXES = ("ORCHESTRA_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Run each test with no real keys or endpoints and its own ORCHESTRA_HOME."""
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES) and name != "ORCHESTRA_TEST_POSTGRES_URL":
            monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ORCHESTRA_HOME", str(home))
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    return home
