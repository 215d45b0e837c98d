"""Where the command line writes: results on stdout, what a person reads on stderr."""

from __future__ import annotations

from rich.console import Console


def stderr_console() -> Console:
    """Return a console on stderr that wraps lines at a terminal and never in a pipe."""
    console = Console(stderr=True)
    # Piped or logged, a line stays one line: a command it names can be copied whole.
    console.soft_wrap = not console.is_terminal
    return console


err = stderr_console()
out = Console(soft_wrap=True)
