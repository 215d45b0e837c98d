"""Deployment launchers for the source checkout (not part of the installed package)."""
