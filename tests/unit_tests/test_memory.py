"""Memory across threads, in process: what is kept, replaced, refused, and never redone."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings
from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.base import Op, PutOp, Result
from langgraph.store.memory import InMemoryStore

from graph import build_graph
from graph.cli.session import open_session
from graph.testing import ScriptedChatModel, answer, call, plan, step
from nodes.specialists.team import load_team
from state.context import Context
from state.guardrail_spec import Guardrail
from state.memories import Memory, MemoryNote, memory_namespace, merged, now_utc
from state.memory_bank import MemoryBank
from tests.unit_tests.team import NUMBERS

KNOWN = re.compile(r"^- \[(\w+)\] ", re.MULTILINE)
EMAIL = "bob@example.com"


def orchestrate(messages: list[BaseMessage]) -> dict[str, Any]:
    """Plan one revenue step, or answer from its report."""
    if "the planner" in messages[0].text:
        return plan(step("s1", "numbers", "Find revenue"))
    return answer("Revenue was 1.2M.")


def team(store: InMemoryStore, memory_script: Any = None, **kwargs: Any) -> Any:
    """Return (graph, model): the numbers specialist over a Store, memory scripted or not."""
    script: dict[str, Any] = {
        "orchestrator": orchestrate,
        "numbers": [call("lookup", key="revenue"), answer("revenue in 2025 was 1.2M")],
    }
    if memory_script is not None:
        script["memory"] = memory_script
    model = ScriptedChatModel(script=script)
    graph = build_graph(
        InMemorySaver(), {"default": model}, store=store, specialists=[NUMBERS], **kwargs
    )
    return graph, model


def ask(graph: Any, text: str, thread: str, user: str = "alice", **kwargs: Any) -> Any:
    """Ask one question on a thread for a user."""
    config = {"configurable": {"thread_id": thread, "user_id": user}}
    return graph.invoke({"messages": [HumanMessage(text)]}, config, **kwargs)


def memories(store: InMemoryStore, user: str = "alice") -> list[Memory]:
    """Return a user's memories as the Store holds them."""
    return asyncio.run(MemoryBank(store, user).aall())


def test_a_contradicted_fact_replaces_the_memory_it_contradicts() -> None:
    def keep(messages: list[BaseMessage]) -> dict[str, Any]:
        """Keep the question's currency; a known memory shown is the one it replaces."""
        request = messages[-1].text
        currency = "USD" if "USD" in request.split("The user asked:")[1] else "EUR"
        known = KNOWN.findall(request)
        note = {"text": f"Amounts in {currency}.", "kind": "preference"}
        note["replaces"] = known[0] if known else None
        return {"tool_calls": [{"name": "MemoryUpdate", "args": {"memories": [note]}}]}

    store = InMemoryStore()
    graph, model = team(store, keep)
    ask(graph, "Give amounts in EUR, please. Revenue?", "t1")
    ask(graph, "Actually give amounts in USD. Revenue?", "t2")
    [kept] = memories(store)
    assert kept.text == "Amounts in USD." and (kept.thread_id, kept.turn) == ("t2", 1)
    assert [(was["text"], was["thread_id"]) for was in kept.previous] == [("Amounts in EUR.", "t1")]
    # The extraction was shown the memory it could replace.
    assert f"[{kept.id}] Amounts in EUR." in model.calls_for("memory")[1].messages[-1].text


def test_with_memory_off_nothing_is_recalled_or_stored() -> None:
    store = InMemoryStore()
    earlier = Memory(id="m1", text="Amounts in EUR.", kind="preference", thread_id="t0")
    asyncio.run(MemoryBank(store, "alice").aput(earlier))
    graph, model = team(store)
    ask(graph, "From now on, round to one decimal. Revenue?", "t1", context=Context(memory=False))
    unremembering, quiet = team(store, memory=False)  # a team file's `memory: off`
    ask(unremembering, "From now on, round to one decimal. Revenue?", "t2")
    for used in (model, quiet):
        assert used.calls_for("memory") == []
        assert not any("EUR" in m.text for c in used.calls for m in c.messages)
    assert [m.id for m in memories(store)] == ["m1"]


def test_a_redacted_email_is_never_remembered() -> None:
    def leak(messages: list[BaseMessage]) -> dict[str, Any]:
        """A model that remembers the address anyway (from wherever it read it)."""
        note = {"text": f"Send the reports to {EMAIL}.", "kind": "instruction"}
        return {"tool_calls": [{"name": "MemoryUpdate", "args": {"memories": [note]}}]}

    store = InMemoryStore()
    redact = Guardrail(name="no-emails", stage="input", check="pii", pii="email", action="redact")
    graph, _ = team(store, leak, guardrails=[redact])
    ask(graph, f"From now on, send the reports to {EMAIL}. Revenue?", "t1")
    everything = [str(item.value) for item in store.search(("users",), limit=1000)]
    [kept] = memories(store)
    assert kept.text == "Send the reports to [REDACTED_EMAIL]."
    assert everything and not any(EMAIL in text for text in everything)


class FlakyStore(InMemoryStore):
    """An in-memory Store whose first write of a memory fails, as a dropped database would."""

    failed = False

    def _check(self, ops: Iterable[Op]) -> list[Op]:
        batch = list(ops)
        writes = [op for op in batch if isinstance(op, PutOp) and "memories" in op.namespace]
        if writes and not self.failed:
            self.failed = True
            raise ConnectionError("the Store went away")
        return batch

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return super().batch(self._check(ops))

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await super().abatch(self._check(ops))


def test_a_failure_after_the_extraction_call_never_repeats_it() -> None:
    store = FlakyStore()
    graph, model = team(store)
    config = {"configurable": {"thread_id": "t1", "user_id": "alice"}}
    question = {"messages": [HumanMessage("From now on, give amounts in EUR. Revenue?")]}
    try:
        graph.invoke(question, config)
    except ConnectionError:
        pass
    assert store.failed and graph.get_state(config).next == ("store_memories",)
    graph.invoke(None, config)
    assert [m.text for m in memories(store)] == ["From now on, give amounts in EUR."]
    assert len(model.calls_for("memory")) == 1 and model.repeats == []


class Currencies(Embeddings):
    """A toy embedding in which money words point one way and everything else another."""

    MONEY = {"eur", "usd", "currency", "amounts", "totals"}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        words = set(re.findall(r"[a-z]+", text.lower()))
        return [1.0, 0.0] if words & self.MONEY else [0.0, 1.0]


def test_memories_are_found_by_meaning_with_an_index_and_by_words_without() -> None:
    question = "Which currency should the report use?"
    found = {}
    for name, store in (
        ("index", InMemoryStore(index={"dims": 2, "embed": Currencies(), "fields": ["text"]})),
        ("words", InMemoryStore()),
    ):
        bank = MemoryBank(store, "alice")
        for key, text in (("m1", "Amounts are in EUR."), ("m2", "North's window is 14 days.")):
            asyncio.run(bank.aput(Memory(id=key, text=text, kind="definition")))
        found[name] = [m.id for m in asyncio.run(bank.arecall(question, 1))]
    assert found == {"index": ["m1"], "words": []}


def test_an_expired_memory_is_neither_listed_nor_recalled() -> None:
    store = InMemoryStore()
    bank = MemoryBank(store, "alice")
    note = MemoryNote(text="Amounts in EUR.", kind="preference")
    lasting = merged(note, "m1", None, ("t1", 1), ttl_days=30)
    gone = Memory(id="m2", text="Amounts in USD.", kind="preference", expires_at="2000-01-01")
    for memory in (lasting, gone):
        asyncio.run(bank.aput(memory))
    assert lasting.expires_at and lasting.expires_at > now_utc().isoformat()
    assert [m.id for m in asyncio.run(bank.aall())] == ["m1"]
    assert [m.id for m in asyncio.run(bank.arecall("amounts", 5))] == ["m1"]
    assert asyncio.run(bank.aget("m2")) is None
    assert store.get(memory_namespace("alice"), "m2") is not None  # the Store's TTL sweeps it


def test_memory_off_in_the_team_file_reaches_the_command_line_s_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team_file = tmp_path / "team.yaml"
    team_file.write_text("extends: builtin\nmemory: off\nspecialists: []\n")
    monkeypatch.setenv("ORCHESTRA_TEAM", str(team_file))
    monkeypatch.setenv("ORCHESTRA_CHECKPOINTER", "memory")
    model = ScriptedChatModel(script={"orchestrator": [plan(), answer("Noted.")]})

    async def said() -> None:
        async with open_session({"default": model}) as session:
            config = session.config("t1")
            await session.graph.ainvoke({"messages": [HumanMessage("Amounts in EUR.")]}, config)

    assert load_team(None).memory and not load_team(team_file).memory
    asyncio.run(said())
    assert [c.role for c in model.calls] == ["orchestrator", "orchestrator"]
