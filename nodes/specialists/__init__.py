"""The specialists: tools in one module each, the team declared in a file (builtin.yaml)."""

from nodes.specialists.spec import SpecialistSpec, planner_menu
from nodes.specialists.team import team_specs

# The built-in team, read from builtin.yaml: a user's team file may extend or replace it.
SAMPLE_TEAM: list[SpecialistSpec] = list(team_specs())

__all__ = ["SAMPLE_TEAM", "SpecialistSpec", "planner_menu"]
