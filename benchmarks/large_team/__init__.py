"""The generated large team: 256 synthetic specialists and labelled requests (benchmarks)."""
