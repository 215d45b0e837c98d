"""Graphs for LangGraph Studio and the LangGraph server: the orchestrator and each specialist."""

from graph.build import build_specialist_graph
from graph.served import joining_caller_trace, served

# The orchestrator over ORCHESTRA_TEAM's team (the built-in four by default), and any local
# specialist of that team alone, chosen with the `specialist` configurable.
orchestrator, specialist = served()

# The built-in specialists are their own graphs too, to run and debug one alone from a brief;
# each joins the trace of a caller's RemoteGraph.
sql_analyst = joining_caller_trace(build_specialist_graph("sql_analyst"))
doc_researcher = joining_caller_trace(build_specialist_graph("doc_researcher"))
data_analyst = joining_caller_trace(build_specialist_graph("data_analyst"))
report_writer = joining_caller_trace(build_specialist_graph("report_writer"))

__all__ = [
    "data_analyst",
    "doc_researcher",
    "orchestrator",
    "report_writer",
    "specialist",
    "sql_analyst",
]
