"""Usage is summed in one place: per turn for the budget, per thread for the user."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import HumanMessage

from graph.cli.run_view import summarize
from graph.testing import answer, call, plan, step
from state.context import Context
from state.usage import add_turn_usage, spent
from tests.unit_tests.team import team_graph, thread

TURNS = 4


def ask(graph: Any, question: str, ctx: Context) -> dict[str, Any]:
    return asyncio.run(graph.ainvoke({"messages": [HumanMessage(question)]}, thread(), context=ctx))


def state_of(graph: Any) -> dict[str, Any]:
    return asyncio.run(graph.aget_state(thread())).values


def script() -> dict[str, list[Any]]:
    orchestrator: list[Any] = []
    for turn in range(1, TURNS + 1):
        orchestrator += [
            plan(step(f"q{turn}", "numbers", f"Find figure {turn}")),
            answer(f"A{turn}"),
        ]
    numbers = [call("lookup", key="revenue"), answer("1.2M")]
    return {"orchestrator": orchestrator, "numbers": numbers}


def test_the_token_budget_is_per_turn_so_a_long_thread_keeps_answering() -> None:
    probe, _ = team_graph(script())
    ask(probe, "question 1", Context())
    one_turn = spent(state_of(probe), 1).tokens
    # Enough for any one turn, far too little for the thread: a thread-wide count stops early.
    ctx = Context(max_run_tokens=int(one_turn * 1.6))
    graph, _ = team_graph(script())
    per_turn = []
    for turn in range(1, TURNS + 1):
        result = ask(graph, f"question {turn}", ctx)
        assert result["messages"][-1].text == f"A{turn}"
        assert not result.get("note"), result.get("note")
        per_turn.append(spent(state_of(graph), turn).tokens)
    values = state_of(graph)
    assert spent(values).tokens > 2 * ctx.max_run_tokens
    # Earlier turns leave the state as one sum: the thread's total keeps every turn's cost.
    assert spent(values).tokens == sum(per_turn)
    assert set(values["orchestrator_usage"]) == {"earlier", str(TURNS)}


def test_show_and_the_ledger_agree_on_the_thread_usage_and_reused_steps_cost_nothing() -> None:
    graph, model = team_graph(
        {
            "orchestrator": [
                plan(step("a", "numbers", "Find 2025 revenue")),
                answer("1.2M"),
                plan(step("a", "numbers", "Find 2025 revenue", reuse="1.a")),
                answer("Still 1.2M."),
            ],
            "numbers": [call("lookup", key="revenue"), answer("1.2M")],
        }
    )
    ask(graph, "Revenue?", Context())
    ask(graph, "Revenue again?", Context())
    snapshot = asyncio.run(graph.aget_state(thread()))
    served = model.calls
    usage = summarize("t", snapshot)["usage"]
    assert usage["llm_calls"] == len(served) == 6
    assert usage["input_tokens"] == sum(c.input_tokens for c in served)
    assert spent(snapshot.values, 2).llm_calls == 2  # the planner and the finalizer only


def test_a_thread_checkpointed_with_one_flat_counter_keeps_its_total() -> None:
    flat = {"llm_calls": 2, "input_tokens": 100, "output_tokens": 10}
    merged = add_turn_usage(flat, {"3": {"llm_calls": 1, "input_tokens": 5, "output_tokens": 1}})
    values = {"orchestrator_usage": merged}
    assert spent(values).llm_calls == 3 and spent(values).input_tokens == 105
    assert spent(values, 3).input_tokens == 5
    assert spent({"orchestrator_usage": flat}).tokens == 110
