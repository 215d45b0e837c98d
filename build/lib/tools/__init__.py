"""Capabilities with no model inside: SQL, document search, sandboxed Python, report files."""
