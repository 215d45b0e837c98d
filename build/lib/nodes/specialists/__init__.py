"""The specialists: one declarative module each, registered in a list."""

from nodes.specialists import data_analyst, doc_researcher, report_writer, sql_analyst
from nodes.specialists.spec import SpecialistSpec, planner_menu

SAMPLE_TEAM: list[SpecialistSpec] = [
    sql_analyst.SPEC,
    doc_researcher.SPEC,
    data_analyst.SPEC,
    report_writer.SPEC,
]

__all__ = ["SAMPLE_TEAM", "SpecialistSpec", "planner_menu"]
