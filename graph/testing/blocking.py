"""`langgraph dev`'s blocking-call detector, for tests: Orchestra's own code runs under it.

The server configures blockbuster in `langgraph_runtime_inmem.queue._enable_blockbuster`;
importing that module costs a whole server runtime, so every `orchestra` a test starts would
pay for it. The same configuration is made here with blockbuster alone, and a unit test holds
it equal to the server's (tests/unit_tests/test_blocking_detector.py).
"""

from __future__ import annotations

from typing import Any

# Where the server lets a blocking call through (function -> [(file, function)]).
SERVER_ALLOWANCES: dict[str, list[tuple[str, str]]] = {
    "os.path.abspath": [("inspect.py", "getmodule")],
    **{
        name: [("langgraph_api/api/profile.py", "_profile_with_pyspy")]
        for name in ("os.access", "os.getcwd", "os.unlink", "os.write")
    },
    "os.rename": [
        ("memory/__init__.py", "sync"),
        ("memory/__init__.py", "load"),
        ("memory/__init__.py", "dump"),
        ("pydantic/main.py", "__init__"),
    ],
    "builtins.input": [("bdb.py", "trace_dispatch"), ("pdb.py", "user_line")],
}
# What the server does not watch at all: file reads and writes, stat, listdir, thread locks.
SERVER_UNWATCHED = (
    "os.stat",
    "os.listdir",
    "os.remove",
    "io.BufferedReader.read",
    "io.BufferedWriter.write",
    "io.TextIOWrapper.read",
    "io.TextIOWrapper.write",
    "threading.Lock.acquire",
)


def server_detector() -> Any:
    """Return blockbuster configured as `langgraph dev` configures it (not yet active)."""
    from blockbuster import BlockBuster
    from langsmith import env

    # The server computes this once before it turns the detector on: it reads files.
    env.get_runtime_environment()
    detector = BlockBuster(excluded_modules=[])
    for name, places in SERVER_ALLOWANCES.items():
        for module, caller in places:
            detector.functions[name].can_block_in(module, caller)
    unwatched = [*SERVER_UNWATCHED, *(n for n in detector.functions if n.startswith("os.path."))]
    for name in unwatched:
        watched = detector.functions.pop(name, None)
        if watched is not None:
            watched.deactivate()
    return detector


def blocking_detector() -> Any:
    """Turn the detector on; first imports and the checkpointer's SQLite writes are allowed.

    graph/persistence/sqlite_loop.py runs a checkpoint write (about 0.1 ms, never waiting for
    a lock) on the event loop by design; everything else that blocks the loop fails as under
    the server.
    """
    detector = server_detector()
    for name, function in detector.functions.items():
        if name.startswith(("sqlite3.", "threading.", "_thread.")):
            function.can_block_in("graph/persistence/sqlite_loop.py", "on_loop")
        # A module's first import is start-up work: the server imports the graphs' modules
        # before its first run, while a command imports some of them inside its loop.
        function.can_block_in("<frozen importlib._bootstrap>", "_find_and_load")
    detector.activate()
    return detector
