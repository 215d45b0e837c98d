"""Guardrails at the orchestrator: checks on question, plan, tool output, report, answer."""
