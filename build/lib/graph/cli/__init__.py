"""The `orchestra` command line: commands, session, inspection views, progress, demo."""

from graph.cli.main import main

__all__ = ["main"]
