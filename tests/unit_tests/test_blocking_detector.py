"""The blocking-call detector the tests install is the one `langgraph dev` installs."""

from __future__ import annotations

from typing import Any

from graph.testing.blocking import server_detector


def allowances(detector: Any) -> dict[str, list[str]]:
    return {n: sorted(map(str, f.can_block_functions)) for n, f in detector.functions.items()}


def test_our_detector_watches_and_allows_exactly_what_the_server_does() -> None:
    from langgraph_runtime_inmem.queue import _enable_blockbuster

    server = _enable_blockbuster()
    server.deactivate()
    ours = allowances(server_detector())
    theirs = allowances(server)
    assert set(ours) == set(theirs)
    assert ours == theirs
    assert "time.sleep" in ours and "os.stat" not in ours
