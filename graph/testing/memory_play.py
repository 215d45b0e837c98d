"""The scripted stand-in's `memory` role: it keeps what the user's question plainly states.

A sentence of the question with a cue ("from now on", "always", "prefer", "means", ...) is a
memory; one that shares most of its words with a known memory the request lists replaces it
(so "amounts in USD" replaces "amounts in EUR"). Anything else is not kept. A script may give
the role its own replies instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage

from state.recall import query_terms

_CUE = re.compile(
    r"\b(from now on|always|never|prefer|please use|remember that|means|stands for|call it)\b",
    re.IGNORECASE,
)
_DEFINITION = re.compile(r"\b(means|stands for|call it)\b", re.IGNORECASE)
_INSTRUCTION = re.compile(r"\b(from now on|always|never|remember that)\b", re.IGNORECASE)
_KNOWN = re.compile(r"^- \[(?P<id>[^\]]+)\] (?P<text>.*) \((?P<kind>\w+)\)$", re.MULTILINE)
_ASKED, _ANSWER = "The user asked:\n", "\n\nThe answer began:"
_CUE_WORDS = {"now", "always", "never", "prefer", "please", "use", "remember", "means"}


def words(text: str) -> set[str]:
    """Return a sentence's content words (no cue words)."""
    return set(query_terms(text)) - _CUE_WORDS


def question_in(request: str) -> str:
    """Return the question a memory request quotes."""
    return request.split(_ASKED, 1)[-1].split(_ANSWER, 1)[0]


def replaced(sentence: str, known: Sequence[tuple[str, str]]) -> str | None:
    """Return the id of the known memory a sentence restates or contradicts, if any."""
    mine = words(sentence)
    for key, text in known:
        theirs = words(text)
        if mine and theirs and len(mine & theirs) * 2 >= min(len(mine), len(theirs)):
            return key
    return None


def remembered(messages: Sequence[BaseMessage]) -> dict[str, Any]:
    """Return a MemoryUpdate call with the question's stated preferences and definitions."""
    request = next((m.text for m in reversed(messages) if isinstance(m, HumanMessage)), "")
    known = [(m["id"], m["text"]) for m in _KNOWN.finditer(request.split(_ASKED, 1)[0])]
    notes = []
    for sentence in re.split(r"(?<=[.!?;])\s+", question_in(request).strip()):
        if not _CUE.search(sentence):
            continue
        kind = (
            "definition"
            if _DEFINITION.search(sentence)
            else "instruction"
            if _INSTRUCTION.search(sentence)
            else "preference"
        )
        replaces = replaced(sentence, known)
        notes.append({"text": sentence.strip(), "kind": kind, "replaces": replaces})
    return {"tool_calls": [{"name": "MemoryUpdate", "args": {"memories": notes}}]}
