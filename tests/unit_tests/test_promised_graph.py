"""README promises whose face is Python: models per role, named decisions, parallelism, menus."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain.agents.middleware.human_in_the_loop import InterruptOnConfig
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from pydantic import ValidationError

from graph import build_graph
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.specialists.spec import SpecialistSpec
from state.context import Context
from tests.servers._http import LoopbackServer, QuietHandler
from tests.servers.openai_server import ScriptedOpenAIServer
from tests.unit_tests.team import MEMOS, NUMBERS, thread
from tests.unit_tests.test_specialist_loop import server_error


def ask(graph: Any, text: str = "q", name: str = "t", **limits: Any) -> dict[str, Any]:
    return graph.invoke({"messages": [HumanMessage(text)]}, thread(name), context=Context(**limits))


def test_models_map_each_role_to_its_own_model_object_or_provider_string(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planner = ScriptedChatModel(
        script={
            "orchestrator": [
                plan(step("a", "numbers", "Find revenue"), step("b", "memos", "Recall")),
                answer("ok"),
            ]
        }
    )
    numbers = ScriptedChatModel(script={"numbers": [call("lookup", key="revenue"), answer("1.2M")]})
    with ScriptedOpenAIServer({"memos": [answer("memo: nothing unusual")]}) as server:
        # A `provider:model` string is loaded with init_chat_model, against the loopback server.
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-000000")
        models = {"orchestrator": planner, "default": numbers, "memos": "openai:memo-model"}
        graph = build_graph(InMemorySaver(), models, specialists=[NUMBERS, MEMOS])
        result = ask(graph)
        served = [(r["role"], r["request"]["model"]) for r in server.requests]
    assert {k: r["status"] for k, r in result["ledger"].items()} == {"1.a": "done", "1.b": "done"}
    assert result["reports"]["1.b"]["summary"] == "memo: nothing unusual"
    # The memory role has no model of its own: it takes the orchestrator's, not the default.
    assert [c.role for c in planner.calls] == ["orchestrator", "orchestrator", "memory"]
    assert [c.role for c in numbers.calls] == ["numbers", "numbers"]
    assert served == [("memos", "memo-model")]


def clerk(decisions: Any, notes: list[str]) -> SpecialistSpec:
    @tool
    def file_note(text: str) -> str:
        """File a note (a side effect)."""
        notes.append(text)
        return f"filed: {text}"

    return SpecialistSpec(
        name="clerk",
        description="Files notes.",
        prompt="You are clerk, a specialist who files notes.",
        tools=[file_note],
        interrupt_on={"file_note": decisions},
    )


def test_an_interrupt_on_config_names_the_decisions_and_the_description() -> None:
    notes: list[str] = []
    named = InterruptOnConfig(
        allowed_decisions=["approve", "reject"], description="File this note in the ledger?"
    )
    script = {
        "orchestrator": [plan(step("n", "clerk", "File a note")), answer("Not filed.")],
        "clerk": [call("file_note", text="revenue 1.2M"), answer("Declined.")],
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=[clerk(named, notes)])
    paused = ask(graph)
    request = paused["__interrupt__"][0].value
    assert request["action_requests"][0]["description"] == "File this note in the ledger?"
    assert request["review_configs"] == [
        {"action_name": "file_note", "allowed_decisions": ["approve", "reject"]}
    ]
    edit = {"type": "edit", "edited_action": {"name": "file_note", "args": {"text": "x"}}}
    with pytest.raises(ValidationError, match="decision 'edit' is not allowed for 'file_note'"):
        graph.invoke(Command(resume={"decisions": [edit]}), thread())
    assert notes == [] and graph.get_state(thread()).next == ("approve_steps",)
    reject = {"type": "reject", "message": "not now"}
    done = graph.invoke(Command(resume={"decisions": [reject]}), thread())
    assert notes == [] and done["messages"][-1].content == "Not filed."
    assert "with reason: not now" in model.calls_for("clerk")[-1].messages[-1].text


@pytest.mark.parametrize("limit, together", [(1, 1), (2, 2), (4, 3)])
def test_max_parallel_caps_the_steps_running_at_once(limit: int, together: int) -> None:
    # The first `together` steps meet before answering: they run at once; none more do.
    met = threading.Barrier(together, timeout=10)
    lock, active, peak = threading.Lock(), [0], [0]

    def counted(reply: dict[str, Any], meets: bool) -> Any:
        def reply_counted(messages: list[Any]) -> dict[str, Any]:
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            if meets and together > 1:
                met.wait()
            with lock:
                active[0] -= 1
            return reply

        return reply_counted

    script = {
        "orchestrator": [
            plan(
                step("a", "numbers", "Find revenue"),
                step("b", "memos", "Recall memos"),
                step("c", "numbers", "Find the policy"),
            ),
            answer("All three."),
        ],
        "numbers:a": counted(answer("found"), True),
        "memos:b": counted(answer("recalled"), together > 1),
        "numbers:c": counted(answer("found"), together > 2),
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=[NUMBERS, MEMOS])
    graph.invoke({"messages": [HumanMessage("q")]}, thread(), context=Context(max_parallel=limit))
    assert peak[0] == together
    assert len(model.calls_for("numbers")) == 2 and len(model.calls_for("memos")) == 1


def test_an_always_on_specialist_is_on_a_large_teams_menu_whatever_the_request() -> None:
    archivist = SpecialistSpec(
        name="archivist",
        description="Keeps the minutes of board meetings.",
        prompt="You are archivist.",
        tools=[],
        always_on=True,
    )
    prompts: list[str] = []

    def orchestrator(messages: list[Any]) -> dict[str, Any]:
        if "finalizer" in messages[0].text:
            return answer("Done.")
        prompts.append(messages[0].text)
        return plan(step("a", "numbers", "Find revenue figures"))

    script = {"orchestrator": orchestrator, "numbers": [answer("1.2M")]}
    model = ScriptedChatModel(script=script)
    team = [NUMBERS, MEMOS, archivist]
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=team)
    ask(graph, "What were the business figures for revenue?", menu_threshold=2, menu_size=1)
    menu = [line.split(":")[0] for line in prompts[0].splitlines() if line.startswith("- ")]
    # The menu is narrowed to the one best match, plus the specialist that is always on.
    assert sorted(menu) == ["- archivist", "- numbers"]


def test_a_step_moved_to_another_specialist_gets_a_fresh_brief_with_only_the_failure() -> None:
    script = {
        "orchestrator": [
            plan(step("a", "numbers", "Find the 2025 revenue")),
            plan(step("a", "memos", "Find the 2025 revenue in the memos")),
            answer("From the memos."),
        ],
        "numbers": [call("lookup", key="revenue"), *[{"raise": server_error("down")}] * 3],
        "memos": [answer("memo: revenue 1.2M")],
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=[NUMBERS, MEMOS])
    result = ask(graph)
    assert result["ledger"]["1.a"]["status"] == "done"
    assert result["ledger"]["1.a"]["specialist"] == "memos"
    [first] = model.calls_for("memos")
    # Its own prompt and a new brief: no line of the failed attempt's transcript.
    assert [m.type for m in first.messages] == ["system", "human"]
    brief = first.messages[1].text
    assert brief.startswith("Step a: Find the 2025 revenue in the memos")
    assert "failed: model failed: InternalServerError: down" in brief
    assert "revenue in 2025 was 1.2M" not in brief and "lookup" not in brief


class _FlakyHandler(QuietHandler):
    def do_GET(self) -> None:
        server: FlakyService = self.server.owner  # type: ignore[attr-defined]
        status = server.statuses.pop(0) if server.statuses else 200
        server.seen.append(status)
        self.send_bytes(status, b"rate: 1.2M" if status == 200 else b"unavailable", "text/plain")


class FlakyService(LoopbackServer):
    """A loopback HTTP service that answers the statuses it is given, then 200."""

    handler_class = _FlakyHandler

    def __init__(self, *statuses: int) -> None:
        super().__init__()
        self.statuses: list[int] = list(statuses)
        self.seen: list[int] = []


@pytest.fixture
def rates() -> Iterator[FlakyService]:
    with FlakyService() as service:
        yield service


@pytest.mark.parametrize("first, retried", [(503, True), (404, False)])
def test_a_tool_meeting_a_5xx_is_retried_and_a_4xx_is_not(
    rates: FlakyService, first: int, retried: bool
) -> None:
    rates.statuses = [first]

    @tool
    def fetch_rate(currency: str) -> str:
        """Fetch a rate from the rates service."""
        response = httpx.get(f"http://127.0.0.1:{rates.port}/{currency}", timeout=5)
        response.raise_for_status()
        return response.text

    spec = SpecialistSpec("numbers", "Rates.", "You are numbers.", [fetch_rate])
    script = {
        "orchestrator": [plan(step("a", "numbers", "Fetch the rate")), answer("ok")],
        "numbers": [call("fetch_rate", currency="fx"), answer("done")],
    }
    model = ScriptedChatModel(script=script)
    graph = build_graph(InMemorySaver(), {"default": model}, specialists=[spec])
    ask(graph, retry_attempts=3)
    told = model.calls_for("numbers")[1].messages[-1]
    if retried:
        assert rates.seen == [503, 200] and told.text == "rate: 1.2M"
    else:
        assert rates.seen == [404] and told.status == "error" and "404 Not Found" in told.text
