"""The scripted model answers by what a request holds, so repeated calls are visible."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from graph.testing import ScriptedChatModel, ScriptExhaustedError, answer, call


def brief(step_id: str, *transcript: object) -> list:
    return [
        SystemMessage("You are numbers."),
        HumanMessage(f"Step {step_id}: find it"),
        *transcript,
    ]


def test_a_specialist_gets_the_reply_at_its_transcript_position_in_any_order() -> None:
    model = ScriptedChatModel(script={"numbers": [call("lookup", key="x"), answer("found x")]})
    first = AIMessage("", tool_calls=[{"name": "lookup", "args": {"key": "x"}, "id": "c1"}])
    later = brief("a", first, ToolMessage("x=1", tool_call_id="c1"))
    # The second position is asked first: a counter would hand out the first reply here.
    assert model.invoke(later).text == "found x"
    assert model.invoke(brief("a")).tool_calls[0]["name"] == "lookup"
    assert [c.position for c in model.calls] == [1, 0]


def test_a_request_answered_before_is_answered_the_same_and_counted_as_a_repeat() -> None:
    model = ScriptedChatModel(script={"numbers": [answer("one")], "orchestrator": [answer("A")]})
    assert model.invoke(brief("a")).text == "one"
    assert model.repeats == []
    assert model.invoke(brief("a")).text == "one"
    planner = [SystemMessage("You are orchestrator."), HumanMessage("q")]
    assert model.invoke(planner).text == "A"
    assert model.invoke(planner).text == "A"
    assert [(c.role, c.position) for c in model.repeats] == [("numbers", 0), ("orchestrator", 0)]


def test_faults_are_played_once_each_before_their_reply_and_are_no_repeat() -> None:
    boom = RuntimeError("500")
    model = ScriptedChatModel(script={"numbers": [{"raise": boom}, {"raise": boom}, answer("ok")]})
    for _ in range(2):
        with pytest.raises(RuntimeError):
            model.invoke(brief("a"))
    assert model.invoke(brief("a")).text == "ok"
    assert [c.fault for c in model.calls] == [True, True, False]
    assert model.repeats == []


def test_step_keys_script_each_step_of_one_specialist_apart() -> None:
    model = ScriptedChatModel(script={"numbers:a": [answer("A")], "numbers:b": [answer("B")]})
    assert model.invoke(brief("b")).text == "B"
    assert model.invoke(brief("a")).text == "A"
    with pytest.raises(ScriptExhaustedError, match="step 'c'"):
        model.invoke(brief("c"))
