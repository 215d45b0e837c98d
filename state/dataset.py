"""An evaluation dataset: examples and what a good answer holds, read from JSONL or YAML.

Every problem is a DatasetError naming the file and the line, raised before any model call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from state.file_lines import first_problem, line_of, naming_field, read_yaml

TrajectoryMode = Literal["strict", "unordered", "subset", "superset"]
EXAMPLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}")
MAX_QUESTION_CHARS = 8000


class DatasetError(ValueError):
    """A dataset that cannot be used: the message names the file and the line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedNumber(_Strict):
    """A figure the answer must state, within an absolute tolerance."""

    value: float
    tolerance: float = Field(default=0.0, ge=0)


class Expect(_Strict):
    """What a good answer to the last turn holds, and how it should be reached."""

    numbers: list[ExpectedNumber] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    specialists: list[str] | None = None
    trajectory: TrajectoryMode = "strict"
    max_tokens: int | None = Field(default=None, gt=0)
    answer: str | None = None
    """A reference answer for the judge (else one is written from numbers and mentions)."""

    def reference(self) -> str:
        """Return the reference answer the judge compares against."""
        if self.answer:
            return self.answer
        parts = [
            f"{n.value:g}" + (f" (within {n.tolerance:g})" if n.tolerance else "")
            for n in self.numbers
        ]
        figures = f"States these figures: {', '.join(parts)}. " if parts else ""
        said = f"Mentions: {'; '.join(self.mentions)}." if self.mentions else ""
        return (figures + said).strip()


class Example(_Strict):
    """One question (or several turns on one thread) and its expectations."""

    id: str
    question: str | None = None
    turns: list[str] | None = None
    expect: Expect = Field(default_factory=Expect)
    approve: Literal["all", "none"] = "none"
    metadata: dict[str, Any] = Field(default_factory=dict)
    _line: int = PrivateAttr(default=0)

    @model_validator(mode="after")
    def _checked(self) -> Example:
        if not EXAMPLE_ID.fullmatch(self.id):
            raise ValueError(
                f"id {self.id[:60]!r} must be 1-80 letters, digits, '-', '_', '.' or ':'"
            )
        if (self.question is None) == (self.turns is None):
            raise ValueError("give either `question` or `turns`, not both or neither")
        for text in self.asked:
            if not text.strip():
                raise ValueError("a question is empty")
            if len(text) > MAX_QUESTION_CHARS:
                raise ValueError(f"a question has more than {MAX_QUESTION_CHARS} characters")
        return self

    @property
    def asked(self) -> list[str]:
        """Return the questions in the order they are asked on the example's thread."""
        return list(self.turns) if self.turns is not None else [self.question or ""]

    @property
    def line(self) -> int:
        """Return the line of the dataset file the example starts on."""
        return self._line


def load_dataset(path: Path) -> list[Example]:
    """Read and check a dataset (JSONL, or YAML for .yaml/.yml): examples in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the dataset ({exc.strerror})") from None
    if path.suffix in (".yaml", ".yml"):
        examples = _from_yaml(path, text)
    else:
        examples = _from_jsonl(path, text)
    if not examples:
        raise DatasetError(f"{path}: the dataset has no examples")
    seen: dict[str, int] = {}
    for example in examples:
        if example.id in seen:
            raise DatasetError(
                f"{path}:{example.line}: example '{example.id}': the id is used twice "
                f"(first on line {seen[example.id]})"
            )
        seen[example.id] = example.line
    return examples


def _from_jsonl(path: Path, text: str) -> list[Example]:
    examples = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        examples.append(_example(path, number, data, None))
    return examples


def _from_yaml(path: Path, text: str) -> list[Example]:
    node, raw = read_yaml(path, text, DatasetError)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DatasetError(f"{path}:1: a YAML dataset is a list of examples")
    return [
        _example(path, line_of(node, (index,)), data, node.value[index])
        for index, data in enumerate(raw)
    ]


def _example(path: Path, line: int, data: Any, node: Any) -> Example:
    """Validate one example; its errors name the line (the key's own line in YAML)."""
    if not isinstance(data, Mapping):
        raise DatasetError(f"{path}:{line}: an example is an object with `id` and `question`")
    named = f"example '{data['id']}': " if isinstance(data.get("id"), str) else ""
    try:
        example = Example.model_validate(data)
    except ValidationError as exc:
        loc, message, stray = first_problem(exc)
        if not stray:
            message = naming_field(loc, message)
        at = line_of(node, loc) if node is not None else line
        raise DatasetError(f"{path}:{at}: {named}{message}") from None
    example._line = line
    return example


def check_specialists(examples: Sequence[Example], team: Sequence[str], path: Path) -> None:
    """Refuse an expectation naming a specialist the team does not have."""
    for example in examples:
        unknown = [s for s in example.expect.specialists or [] if s not in team]
        if unknown:
            raise DatasetError(
                f"{path}:{example.line}: example '{example.id}': no specialist named "
                f"{', '.join(unknown)} in the team (it has {', '.join(team)})"
            )
