"""Guardrails that rewrite at every stage after the question, and figures grounded when rounded.

Each rewrite (LangChain's redact, mask and hash) is checked where its stage promises it:
before the specialist's model reads a tool's output, before the orchestrator reads a report,
before the answer is shown.
"""

from __future__ import annotations

import hashlib

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.guards.checks import ungrounded
from nodes.specialists.spec import SpecialistSpec
from state.guardrail_spec import Guardrail
from tests.unit_tests.team import thread

EMAIL = "ann.lee@example.com"
REWRITTEN = {
    "redact": "[REDACTED_EMAIL]",
    "mask": "ann.lee@****.com",
    "hash": f"<email_hash:{hashlib.sha256(EMAIL.encode()).hexdigest()[:8]}>",
}


@tool
def find_contact(customer: str) -> str:
    """Find a customer's contact address."""
    return f"{customer}'s address is {EMAIL}"


CONTACTS = SpecialistSpec(
    name="contacts",
    description="Finds customers' contact addresses.",
    prompt="You are contacts, a specialist who finds addresses.",
    tools=[find_contact],
)
# The address is in the tool's output, in the specialist's report and in the answer.
SCRIPT = {
    "orchestrator": [
        plan(step("who", "contacts", "Find Ann's address")),
        answer(f"Write to Ann at {EMAIL}."),
    ],
    "contacts": [call("find_contact", customer="Ann"), answer(f"Ann is at {EMAIL}")],
}


def requests_of(model: ScriptedChatModel, role: str) -> list[str]:
    return ["\n".join(m.text for m in c.messages) for c in model.calls_for(role)]


@pytest.mark.parametrize("action", ["redact", "mask", "hash"])
@pytest.mark.parametrize("stage", ["tool_output", "report", "answer"])
def test_a_rewrite_applies_before_the_next_reader_at_every_stage(stage: str, action: str) -> None:
    guard = Guardrail(name="no-emails", stage=stage, check="pii", pii="email", action=action)
    model = ScriptedChatModel(script=SCRIPT)
    graph = build_graph(
        InMemorySaver(), {"default": model}, specialists=[CONTACTS], guardrails=[guard]
    )
    result = graph.invoke({"messages": [HumanMessage("Where do I write to Ann?")]}, thread())
    shown = result["messages"][-1].text
    rewritten = REWRITTEN[action]
    read_result = requests_of(model, "contacts")[1]
    finalizer = requests_of(model, "orchestrator")[1]
    if stage == "tool_output":
        # The specialist's model reads the rewritten result; its own report is its own.
        assert f"Ann's address is {rewritten}" in read_result and EMAIL not in read_result
        assert f"Ann is at {EMAIL}" in finalizer
    elif stage == "report":
        assert EMAIL in read_result
        assert f"Ann is at {rewritten}" in finalizer and EMAIL not in finalizer
        assert shown == f"Write to Ann at {EMAIL}."
    else:
        assert f"Ann is at {EMAIL}" in finalizer
        assert shown == f"Write to Ann at {rewritten}."
    events = [*result["guardrails"], *result["reports"]["1.who"].get("guardrails", [])]
    assert [(e["name"], e["stage"], e["action"]) for e in events] == [("no-emails", stage, action)]


def figures_left(answer_text: str, *sources: str) -> list[str]:
    return ungrounded(answer_text, list(sources))


@pytest.mark.parametrize(
    ("source", "grounded", "invented"),
    [
        # Rounded to fewer places, half up as people round (2.345 -> 2.35, 12.5 -> 13).
        ("the mean is 2.345", ["2.35", "2.3"], ["2.4", "2.36"]),
        ("12.5% of orders", ["13%", "12.5%"], ["14%", "12.4%"]),
        ("1,234,567 orders", ["1,234,567", "1234567"], ["1,234,568", "1,234,000"]),
        # A share as a percentage, exactly or rounded (0.0723 -> 7.23%, 7.2%).
        ("return rate 0.0723", ["7.23%", "7.2%"], ["72%", "7.3%"]),
    ],
)
def test_grounded_numbers_accepts_rounded_figures_and_percentages_and_flags_others(
    source: str, grounded: list[str], invented: list[str]
) -> None:
    for figure in grounded:
        assert figures_left(f"It is {figure} in total.", source) == [], figure
    for figure in invented:
        assert figures_left(f"It is {figure} in total.", source) == [figure], figure
