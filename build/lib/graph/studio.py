"""Graphs for LangGraph Studio and the LangGraph server: the orchestrator and each specialist."""

from graph import graph as orchestrator
from graph.build import build_specialist_graph

# Each specialist is its own graph too, so it can be run and debugged alone from a brief.
sql_analyst = build_specialist_graph("sql_analyst")
doc_researcher = build_specialist_graph("doc_researcher")
data_analyst = build_specialist_graph("data_analyst")
report_writer = build_specialist_graph("report_writer")

__all__ = ["data_analyst", "doc_researcher", "orchestrator", "report_writer", "sql_analyst"]
