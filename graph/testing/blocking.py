"""`langgraph dev`'s blocking-call detector, for tests: Orchestra's own code runs under it."""

from __future__ import annotations

from typing import Any


def blocking_detector() -> Any:
    """Turn the detector on; the checkpointer's short SQLite writes on the loop are allowed.

    graph/sqlite_loop.py runs a checkpoint write (about 0.1 ms, never waiting for a lock) on
    the event loop by design; everything else that blocks the loop fails as under the server.
    """
    from langgraph_runtime_inmem.queue import _enable_blockbuster

    detector = _enable_blockbuster()
    for name, function in detector.functions.items():
        if name.startswith(("sqlite3.", "threading.", "_thread.")):
            function.can_block_in("graph/sqlite_loop.py", "on_loop")
    return detector
