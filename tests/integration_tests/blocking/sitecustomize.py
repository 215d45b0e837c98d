"""Imported by every `orchestra` the tests start: `langgraph dev`'s blocking-call detector, on."""

from graph.testing.blocking import blocking_detector

blocking_detector()
