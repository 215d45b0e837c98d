"""The benchmark suite: Orchestra against a single agent and a supervisor, same scripted policy."""
