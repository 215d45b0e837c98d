"""A new message while something waits supersedes it, in process (invoke, ainvoke, stream).

A message while an approval, a plan sign-off, two parallel approvals, a guardrail's question
on the plan or on the question waits is settled as a rejection carrying the message: nothing
is run or written, the steps are `superseded` with when and why, and the planner is told.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.store.memory import InMemoryStore

from graph.testing import ScriptedChatModel, answer, plan, step
from state import Guardrail
from state.archive import GUARDRAILS, REPORTS, STEPS, namespace
from state.context import Context
from state.users import LOCAL_USER
from tests.unit_tests.team import thread
from tests.unit_tests.test_reviews import clerk_team, note_script

WRITTEN: list[str] = []


def clerks(*orchestrator: Any, **kwargs: Any) -> tuple[Any, ScriptedChatModel, InMemoryStore]:
    """Return the toy team with a clerk whose `file_note` waits for approval (test_reviews)."""
    WRITTEN.clear()
    store = InMemoryStore()
    script = {**note_script(), "orchestrator": list(orchestrator)}
    graph, model = clerk_team(script, WRITTEN, store=store, **kwargs)
    return graph, model, store


def ask(text: str) -> dict[str, Any]:
    return {"messages": [HumanMessage(text)]}


def archived_step(store: InMemoryStore, key: str, name: str = "t") -> dict[str, Any]:
    found = store.get(namespace(LOCAL_USER, name, STEPS), key)
    assert found is not None, key
    return dict(found.value["record"])


def planner_requests(model: ScriptedChatModel) -> list[str]:
    return [c.messages[-1].text for c in model.calls_for("orchestrator")]


FIG_AND_NOTE = plan(step("fig", "numbers", "Find revenue"), step("note", "clerk", "File it", "fig"))


def test_a_message_during_an_approval_rejects_it_with_the_message_and_plans_anew() -> None:
    graph, model, store = clerks(FIG_AND_NOTE, plan(), answer("Nothing filed, as you asked."))
    graph.invoke(ask("Note our revenue"), thread())
    assert graph.get_state(thread()).next == ("approve_steps",)
    done = graph.invoke(ask("no, do not file anything"), thread())
    state = graph.get_state(thread())
    assert state.next == () and state.interrupts == ()
    assert done["messages"][-1].text == "Nothing filed, as you asked."
    assert WRITTEN == []
    note = archived_step(store, "1.note")
    assert note["status"] == "superseded"
    assert note["decisions"] == [{"type": "reject", "message": "no, do not file anything"}]
    assert note["stops"][0]["why"] == "a new message came: 'no, do not file anything'"
    # The report the step filed while it waited agrees with its record.
    filed = store.get(namespace(LOCAL_USER, "t", REPORTS), "1.note")
    assert filed is not None and filed.value["status"] == "superseded"
    assert archived_step(store, "1.fig")["status"] == "done"
    request = planner_requests(model)[1]
    assert request.endswith("Current request:\nno, do not file anything")
    assert (
        "Turn 1: asked 'Note our revenue'; not finished (it was waiting for approval of "
        "file_note); steps: fig done, note superseded" in request
    )
    # The turn's progress message, replaced in place, says so too.
    [progress] = [m for m in done["messages"] if m.id == "orchestra-progress-1"]
    assert "note · clerk: File it — superseded at " in progress.text


def test_a_message_during_a_plan_sign_off_supersedes_the_plan() -> None:
    asyncio.run(a_message_during_a_plan_sign_off_supersedes_the_plan())


async def a_message_during_a_plan_sign_off_supersedes_the_plan() -> None:
    graph, model, _ = clerks(FIG_AND_NOTE, plan(), answer("Understood."))
    signed = Context(review_plan=True)
    await graph.ainvoke(ask("Note our revenue"), thread(), context=signed)
    assert (await graph.aget_state(thread())).next == ("approve_plan",)
    await graph.ainvoke(ask("actually, skip it"), thread(), context=signed)
    state = await graph.aget_state(thread())
    assert state.next == () and model.calls_for("numbers") == [] and WRITTEN == []
    assert (
        "(it was waiting for sign-off of its plan); steps: fig superseded, note superseded"
        in (planner_requests(model)[1])
    )


def test_a_message_during_two_parallel_approvals_rejects_both() -> None:
    two = plan(step("a", "clerk", "File note A"), step("b", "clerk", "File note B"))
    graph, _, store = clerks(two, plan(), answer("Neither filed."))
    paused = list(graph.stream(ask("File two notes"), thread(), stream_mode="updates"))
    [pending] = paused[-1]["__interrupt__"]
    assert len(pending.value["action_requests"]) == 2
    list(graph.stream(ask("stop"), thread(), stream_mode="updates"))
    assert graph.get_state(thread()).next == () and WRITTEN == []
    for key in ("1.a", "1.b"):
        record = archived_step(store, key)
        assert record["status"] == "superseded"
        assert record["decisions"] == [{"type": "reject", "message": "stop"}]


def test_a_message_while_a_guardrail_asks_about_the_question_leaves_it_unanswered() -> None:
    falcon = Guardrail(
        name="codename", stage="input", check="regex", pattern="(?i)falcon", action="ask"
    )
    graph, model, _ = clerks(plan(), answer("Hello."), guardrails=[falcon])
    graph.invoke(ask("Tell me about Falcon"), thread())
    assert graph.get_state(thread()).interrupts
    graph.invoke(ask("hi"), thread())
    assert graph.get_state(thread()).next == ()
    [request] = planner_requests(model)[:1]
    assert "Asked 'Tell me about Falcon': not answered; a new message came: 'hi'" in request


def test_a_message_while_a_guardrail_asks_about_the_plan_rejects_its_question() -> None:
    clerking = Guardrail(
        name="no-filing", stage="plan", check="regex", pattern="clerk", action="ask"
    )
    graph, model, store = clerks(FIG_AND_NOTE, plan(), answer("Nothing."), guardrails=[clerking])
    paused = graph.invoke(ask("Note our revenue"), thread())
    [pending] = paused["__interrupt__"]
    assert pending.value["action_requests"][0]["name"] == "guardrail:no-filing"
    graph.invoke(ask("forget it"), thread())
    assert graph.get_state(thread()).next == () and model.calls_for("numbers") == []
    [trip] = [e for e in store.get(namespace(LOCAL_USER, "t", GUARDRAILS), "1").value["events"]]
    assert trip["decision"] == "reject" and trip["detail"] == "a new message came: 'forget it'"
    assert "(it was waiting for a decision on guardrail:no-filing)" in planner_requests(model)[1]
