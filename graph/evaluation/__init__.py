"""Scoring the team on a dataset: the runner, its contenders, scores, reports, experiments."""
