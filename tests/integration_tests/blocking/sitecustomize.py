"""Imported by every `orchestra` the tests start: `langgraph dev`'s blocking-call detector, on."""

from langgraph_runtime_inmem.queue import _enable_blockbuster

_enable_blockbuster()
