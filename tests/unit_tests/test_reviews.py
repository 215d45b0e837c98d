"""Reviews in LangChain's HITL format: gated tools, every decision, bad answers, plan sign-off."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from pydantic import ValidationError

from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from state.usage import spent
from tests.unit_tests.team import NUMBERS, thread

ALL = ["approve", "edit", "reject"]


def clerk_team(
    script: dict[str, list[Any]], notes: list[str], **kwargs: Any
) -> tuple[Any, ScriptedChatModel]:
    """The toy team plus a clerk whose `file_note` is a side effect declared for review."""

    @tool
    def file_note(text: str) -> str:
        """File a note (a side effect)."""
        notes.append(text)
        return f"filed: {text}"

    clerk = SpecialistSpec(
        name="clerk",
        description="Files notes.",
        prompt="You are clerk, a specialist who files notes.",
        tools=[file_note],
        interrupt_on={"file_note": True},
    )
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=[NUMBERS, clerk], **kwargs)
    return graph, model


def note_script(*finals: str) -> dict[str, list[Any]]:
    return {
        "orchestrator": [
            plan(
                step("fig", "numbers", "Find revenue"),
                step("note", "clerk", "File a note of it", "fig"),
            ),
            *(answer(text) for text in finals),
        ],
        "numbers": [call("lookup", key="revenue"), answer("1.2M")],
        "clerk": [call("file_note", text="revenue 1.2M"), answer("Filed.")],
    }


def question(text: str = "Note our revenue") -> dict[str, Any]:
    return {"messages": [HumanMessage(text)]}


def test_a_declared_tool_pauses_with_the_hitl_request_and_runs_once_approved() -> None:
    notes: list[str] = []
    graph, model = clerk_team(note_script("Revenue 1.2M, noted."), notes)
    paused = graph.invoke(question(), thread())
    [pending] = paused["__interrupt__"]
    assert pending.value == {
        "action_requests": [
            {
                "name": "file_note",
                "args": {"text": "revenue 1.2M"},
                "description": "clerk wants to run file_note for step note: File a note of it",
            }
        ],
        "review_configs": [{"action_name": "file_note", "allowed_decisions": ALL}],
    }
    # numbers' lookup needed no review; the clerk's note waits for it
    assert notes == [] and graph.get_state(thread()).next == ("approve_steps",)
    done = graph.invoke(Command(resume={"decisions": [{"type": "approve"}]}), thread())
    assert notes == ["revenue 1.2M"]
    assert done["messages"][-1].content == "Revenue 1.2M, noted."
    assert model.repeats == []


def test_edit_runs_the_edited_arguments_and_reject_runs_nothing() -> None:
    notes: list[str] = []
    graph, model = clerk_team(note_script("Noted.", "Not noted."), notes)
    graph.invoke(question(), thread("edit"))
    edit = {"type": "edit", "edited_action": {"name": "file_note", "args": {"text": "1.2M!"}}}
    graph.invoke(Command(resume={"decisions": [edit]}), thread("edit"))
    assert notes == ["1.2M!"]

    graph.invoke(question(), thread("reject"))
    reject = {"type": "reject", "message": "not in the ledger"}
    graph.invoke(Command(resume={"decisions": [reject]}), thread("reject"))
    assert notes == ["1.2M!"]
    # the clerk read the reviewer's reason in place of the tool's result
    told = model.calls_for("clerk")[-1].messages[-1]
    assert told.type == "tool" and "with reason: not in the ledger" in told.text


@pytest.mark.parametrize(
    "bad",
    [
        {"approved": True},
        {"decisions": []},
        {"decisions": [{"type": "approve"}, {"type": "approve"}]},
        {"decisions": [{"type": "maybe"}]},
        {"decisions": [{"type": "edit", "edited_action": {"name": "rm", "args": {}}}]},
        {"decisions": [{"type": "edit", "edited_action": {"name": "file_note", "args": {}}}]},
        "yes",
    ],
)
def test_a_malformed_answer_is_an_error_and_the_review_stays_open(bad: Any) -> None:
    notes: list[str] = []
    graph, model = clerk_team(note_script("Noted."), notes)
    graph.invoke(question(), thread())
    with pytest.raises(ValidationError):
        graph.invoke(Command(resume=bad), thread())
    state = graph.get_state(thread())
    assert notes == [] and state.next == ("approve_steps",) and len(state.interrupts) == 1
    graph.invoke(Command(resume={"decisions": [{"type": "approve"}]}), thread())
    assert notes == ["revenue 1.2M"]
    assert model.repeats == []


def test_an_approval_on_a_later_turn_is_visible_at_the_top_of_the_thread() -> None:
    notes: list[str] = []
    script = note_script("Noted.", "Noted again.")
    script["orchestrator"].insert(2, script["orchestrator"][0])
    graph, _ = clerk_team(script, notes)
    graph.invoke(question(), thread())
    graph.invoke(Command(resume={"decisions": [{"type": "approve"}]}), thread())
    second = graph.invoke(question("And note it again"), thread())
    assert second["__interrupt__"][0].value["action_requests"][0]["name"] == "file_note"
    state = graph.get_state(thread())
    assert [i.value for i in state.interrupts] == [second["__interrupt__"][0].value]
    assert [t.name for t in state.tasks if t.interrupts] == ["approve_steps"]


def sign_off_script() -> dict[str, list[Any]]:
    return {
        "orchestrator": [
            plan(step("fig", "numbers", "Find revenue")),
            plan(step("fig", "numbers", "Find profit")),
            answer("Done."),
        ],
        "numbers": [call("lookup", key="revenue"), answer("looked up")],
    }


def test_plan_sign_off_pauses_before_any_step_and_approve_runs_the_plan() -> None:
    script = sign_off_script()
    del script["orchestrator"][1]  # approved: no second plan
    graph, model = clerk_team(script, [])
    review = Context(review_plan=True)
    paused = graph.invoke(question("Revenue?"), thread(), context=review)
    request = paused["__interrupt__"][0].value
    assert request["action_requests"][0]["name"] == "execute_plan"
    assert request["action_requests"][0]["args"] == {
        "steps": [
            {"id": "fig", "specialist": "numbers", "objective": "Find revenue", "depends_on": []}
        ]
    }
    assert request["review_configs"] == [{"action_name": "execute_plan", "allowed_decisions": ALL}]
    assert model.calls_for("numbers") == []
    done = graph.invoke(
        Command(resume={"decisions": [{"type": "approve"}]}), thread(), context=review
    )
    assert done["ledger"]["1.fig"]["status"] == "done"
    assert len(model.calls_for("orchestrator")) == 2  # one plan, one answer


def test_plan_sign_off_edit_runs_the_edited_steps_and_reject_replans_with_the_reason() -> None:
    graph, model = clerk_team(sign_off_script(), [])
    review = Context(review_plan=True)
    graph.invoke(question("Revenue?"), thread("edit"), context=review)
    edited = {"steps": [{"id": "x", "specialist": "numbers", "objective": "Find margin"}]}
    decision = {"type": "edit", "edited_action": {"name": "execute_plan", "args": edited}}
    done = graph.invoke(Command(resume={"decisions": [decision]}), thread("edit"), context=review)
    statuses = {k: r["status"] for k, r in done["ledger"].items()}
    assert statuses == {"1.fig": "dropped", "1.x": "done"}
    assert model.calls_for("numbers")[0].messages[1].text.startswith("Step x: Find margin")

    graph, model = clerk_team(sign_off_script(), [])
    graph.invoke(question("Revenue?"), thread("reject"), context=review)
    no = {"decisions": [{"type": "reject", "message": "profit, not revenue"}]}
    again = graph.invoke(Command(resume=no), thread("reject"), context=review)
    # the planner was asked again with the reason, and its new plan awaits sign-off
    replan_request = model.calls_for("orchestrator")[1].messages[-1].text
    assert "the user rejected the plan: profit, not revenue" in replan_request
    steps = again["__interrupt__"][0].value["action_requests"][0]["args"]["steps"]
    assert [s["objective"] for s in steps] == ["Find profit"]
    assert model.calls_for("numbers") == []


def test_an_invalid_edited_plan_is_refused_and_the_sign_off_stays_open() -> None:
    graph, model = clerk_team(sign_off_script(), [])
    review = Context(review_plan=True)
    graph.invoke(question("Revenue?"), thread(), context=review)
    bad = {"steps": [{"id": "x", "specialist": "astrologer", "objective": "Read the stars"}]}
    decision = {"type": "edit", "edited_action": {"name": "execute_plan", "args": bad}}
    with pytest.raises(ValidationError, match="unknown specialist 'astrologer'"):
        graph.invoke(Command(resume={"decisions": [decision]}), thread(), context=review)
    assert graph.get_state(thread()).next == ("approve_plan",)
    assert model.calls_for("numbers") == []


def test_parallel_steps_pause_in_one_request_and_their_work_is_counted_once() -> None:
    notes: list[str] = []
    script = {
        "orchestrator": [
            plan(step("n1", "clerk", "File note one"), step("n2", "clerk", "File note two")),
            answer("Filed one of two."),
        ],
        "clerk:n1": [call("file_note", text="one"), answer("Filed one.")],
        "clerk:n2": [call("file_note", text="two"), answer("Not filed.")],
    }
    graph, model = clerk_team(script, notes)
    paused = graph.invoke(question(), thread())
    [pending] = paused["__interrupt__"]
    assert [a["args"]["text"] for a in pending.value["action_requests"]] == ["one", "two"]
    # one review config per action name, as HumanInTheLoopMiddleware sends them
    assert len(pending.value["review_configs"]) == 1
    decisions = [{"type": "approve"}, {"type": "reject", "message": "one is enough"}]
    done = graph.invoke(Command(resume={"decisions": decisions}), thread())
    assert notes == ["one"]
    assert {k: r["status"] for k, r in done["ledger"].items()} == {"1.n1": "done", "1.n2": "done"}
    assert [r["attempts"] for r in done["ledger"].values()] == [1, 1]
    # each step continued its transcript: no model call repeated, every call counted once
    # (the memory call after the answer among them: the request said something)
    assert model.repeats == []
    assert spent(graph.get_state(thread()).values).llm_calls == len(model.calls) == 7
    assert [t["name"] for t in done["reports"]["1.n1"]["tools_called"]] == ["file_note"]
