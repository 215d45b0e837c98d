"""The checks a guardrail runs: deterministic detectors, no model inside.

Each returns a `Finding` (why it tripped, and the spans it found, for a rewrite) or None.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from langchain.agents.middleware.pii import (
    PIIMatch,
    detect_credit_card,
    detect_email,
    detect_ip,
    detect_mac_address,
    detect_url,
)

from state.guardrail_spec import Guardrail

PII_DETECTORS: dict[str, Callable[[str], list[PIIMatch]]] = {
    "email": detect_email,
    "credit_card": detect_credit_card,
    "ip": detect_ip,
    "mac_address": detect_mac_address,
    "url": detect_url,
}

# Instruction-like text addressed to the assistant: what a document or a row should not say.
INJECTION = re.compile(
    r"(?im)"
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}?"
    r"\b(?:instructions?|rules|prompts?|guidelines|directions)\b"
    r"|\b(?:new|updated|real)\s+instructions?\s*:"
    r"|^\s*(?:#+\s*)?(?:system|assistant|developer)\s*(?:prompt)?\s*:"
    r"|<\|?(?:im_start|system|assistant)\|?>|\[/?INST\]"
    r"|\byou\s+are\s+now\b|\bfrom\s+now\s+on,?\s+you\b"
    r"|\b(?:call|invoke|run|use|execute)\s+(?:the\s+)?`?[a-z]+_[a-z_]+`?(?:\s+tool)?\b"
    r"|\b(?:reveal|print|show|repeat|output)\s+(?:me\s+)?(?:your|the)\s+"
    r"(?:system\s+)?(?:prompt|instructions)\b"
)
# A figure: digits with optional thousands separators, decimals and a percent sign.
FIGURE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\w.,])\d+(?:\.\d+)?%?")


@dataclass(frozen=True)
class Finding:
    """Why a guardrail tripped, and what it found where (for a rewrite)."""

    reason: str
    spans: list[PIIMatch] = field(default_factory=list)


@dataclass(frozen=True)
class Scope:
    """What a check may look at beyond its text: the question, reports, the plan."""

    question: str = ""
    reports: Sequence[str] = ()
    specialists: Sequence[str] = ()
    step: str | None = None
    # The guard model's check for instructions, where one is configured (classifier.py).
    classify: Callable[[str], Finding | None] | None = None


def run_check(guard: Guardrail, text: str, scope: Scope) -> Finding | None:
    """Return what a guardrail's check finds in a text, or None when it passes."""
    if guard.check == "pii":
        assert guard.pii is not None
        found = PII_DETECTORS[guard.pii](text)
        return Finding(f"found {len(found)} {guard.pii}", found) if found else None
    if guard.check == "regex":
        assert guard.pattern is not None
        spans = [
            PIIMatch(type=guard.name, value=m.group(), start=m.start(), end=m.end())
            for m in re.finditer(guard.pattern, text)
            if m.end() > m.start()
        ]
        return Finding(f"matches {guard.pattern!r}", spans) if spans else None
    if guard.check == "prompt_injection":
        match = INJECTION.search(text)
        # The reason reaches the model in place of the text: it never quotes what it found.
        if match:
            return Finding(
                f"instructions addressed to the assistant (at character {match.start()})"
            )
        return scope.classify(text) if scope.classify else None
    if guard.check == "grounded_numbers":
        missing = ungrounded(text, [scope.question, *scope.reports])
        return Finding(f"figures found in no report: {', '.join(missing)}") if missing else None
    if guard.check == "specialists":
        used = list(dict.fromkeys(scope.specialists))
        bad = (
            [s for s in used if s in (guard.deny or [])]
            if guard.deny is not None
            else [s for s in used if s not in (guard.allow or [])]
        )
        return (
            Finding(f"the plan uses {', '.join(bad)}, which this request may not") if bad else None
        )
    return python_check(guard, text, scope)


def python_check(guard: Guardrail, text: str, scope: Scope) -> Finding | None:
    """Run a guardrail's own function: a verdict of True/False, a reason, or a dict."""
    function = guard.function if callable(guard.function) else load_function(str(guard.function))
    context = {k: v for k, v in scope.__dict__.items() if k != "classify"}
    verdict = function(text, {"stage": guard.stage, **context})
    if isinstance(verdict, dict):
        tripped = bool(verdict.get("tripwire_triggered", verdict.get("tripped")))
        return Finding(str(verdict.get("reason") or "the check tripped")) if tripped else None
    if isinstance(verdict, str):
        return Finding(verdict) if verdict else None
    return Finding("the check tripped") if verdict else None


def load_function(ref: str) -> Callable[..., Any]:
    """Return the function a `module:function` reference names."""
    module, _, name = ref.partition(":")
    if not module or not name:
        raise ValueError(f"function {ref!r} must be `module:function`")
    found = getattr(importlib.import_module(module), name, None)
    if not callable(found):
        raise ValueError(f"{ref!r} is not a function of module {module}")
    return found


def figures(text: str) -> list[str]:
    """Return the figures of a text as written, leaving out single digits and list markers."""
    found = []
    for match in FIGURE.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        marker = not text[line_start : match.start()].strip() and text[match.end() :][:1] == "."
        bare = match.group().replace(",", "").rstrip("%")
        if marker or ("." not in bare and len(bare) < 2):
            continue
        found.append(match.group())
    return found


def _value(figure: str) -> Decimal | None:
    try:
        return Decimal(figure.replace(",", "").rstrip("%"))
    except InvalidOperation:
        return None


def grounded(figure: str, known: Sequence[Decimal]) -> bool:
    """Return True when a figure is a known one, or one rounded (or as a percentage) from it."""
    value = _value(figure)
    if value is None:
        return True
    places = Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]
    for number in known:
        for candidate in (number, number * 100):
            # Rounded half up, as people round (2.345 -> 2.35), or half to even, as code does.
            rounded = {
                candidate.quantize(places, mode) for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN)
            }
            if candidate == value or value in rounded:
                return True
    return False


def ungrounded(answer: str, sources: Sequence[str]) -> list[str]:
    """Return the answer's figures that appear in none of the sources, even rounded."""
    known = [v for text in sources for f in FIGURE.findall(text) if (v := _value(f)) is not None]
    return [f for f in dict.fromkeys(figures(answer)) if not grounded(f, known)]
