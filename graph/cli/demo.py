"""`orchestra demo` and `orchestra sample`: the whole team offline, on the sample data."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from rich.panel import Panel

from graph.cli.commands import drive
from graph.cli.consoles import err, out
from graph.cli.demo_script import DEMO_QUESTION, DEMO_SCRIPT
from graph.cli.failures import EXIT_OK
from graph.cli.session import load_settings, open_session
from graph.testing import ScriptedChatModel

STAND_IN_NOTICE = (
    "SCRIPTED STAND-IN: no real model is called. A scripted chat model plays the "
    "orchestrator and the specialists (their plan and wording are scripted); the SQL, "
    "document search, sandboxed Python and report file are real, on the sample data. "
    "Set ORCHESTRA_MODEL and run `orchestra ask` to use a real model."
)


async def run_demo(*, as_json: bool) -> int:
    """Run the demo question through the whole team with the scripted stand-in."""
    err.print(Panel(STAND_IN_NOTICE, title="orchestra demo", border_style="yellow"))
    model = ScriptedChatModel(script=DEMO_SCRIPT)
    thread = f"demo-{uuid.uuid4().hex[:8]}"
    err.print(f"[dim]thread {thread}[/dim]\n[bold]question[/bold]: {DEMO_QUESTION}")
    from langchain_core.messages import HumanMessage

    async with open_session({"default": model}) as session:
        # The demo approves its own report: there is nobody to ask in `make demo`.
        code = await drive(
            session, thread, {"messages": [HumanMessage(DEMO_QUESTION)]}, as_json, True
        )
        if not as_json:
            # Listing the run's folder reads the disk: off the event loop.
            files = await asyncio.to_thread(run_files, session.settings.files_dir() / thread)
            for path in files:
                out.print(f"[bold]file[/bold]: {path}", highlight=False)
            out.print(f"inspect the run: orchestra show {thread}")
        return code


def run_files(folder: Path) -> list[Path]:
    """Return a run's charts and reports, as absolute paths."""
    return [p.resolve() for p in [*sorted(folder.rglob("*.png")), *sorted(folder.glob("*.md"))]]


def make_sample(*, reset: bool) -> int:
    """Generate (or regenerate) the sample database and documents."""
    from tools.sample import ensure_sample

    settings = load_settings()
    sample = ensure_sample(settings.home.resolve(), reset=reset)
    out.print(f"sample database: {sample.db_path}\nsample documents: {sample.docs_dir}")
    return EXIT_OK
