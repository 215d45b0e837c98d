"""What each node does: the orchestrator's nodes and the specialists' loop."""
