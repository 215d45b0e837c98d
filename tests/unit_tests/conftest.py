"""Unit-test fixtures: no network beyond loopback, a toy team and a scripted model."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise RuntimeError(f"unit tests may not reach the network ({host})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that leaves the machine."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def no_blocking_calls_in_the_event_loop() -> Any:
    """Run every test under the detector `langgraph dev` uses: a blocking call in a loop fails."""
    from graph.testing.blocking import blocking_detector

    detector = blocking_detector()
    try:
        yield
    finally:
        detector.deactivate()
