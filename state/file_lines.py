"""Where in a checked file a problem is: YAML read with its lines, pydantic's first error."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


def read_yaml(path: Path, text: str, error: type[ValueError]) -> tuple[Any, Any]:
    """Return a YAML text's node tree (for lines) and its data; bad YAML names its line."""
    try:
        return yaml.compose(text), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise error(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None


def first_problem(exc: ValidationError) -> tuple[tuple[Any, ...], str, bool]:
    """Return the first error's location, its message in one line, and if it is a stray key."""
    first = exc.errors()[0]
    loc = tuple(first["loc"])
    if first["type"] == "extra_forbidden":
        return loc, f"unknown key `{loc[-1]}`", True
    return loc, first["msg"].removeprefix("Value error, "), False


def naming_field(loc: Sequence[Any], message: str) -> str:
    """Return the message led by the field it is about: "`action`: Input should be ..."."""
    return f"`{'.'.join(str(part) for part in loc)}`: {message}" if loc else message


def line_of(node: Any, loc: Sequence[Any]) -> int:
    """Return the 1-based line of the deepest YAML node a validation location reaches."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            key = next((k for k, _ in node.value if k.value == part), None)
            if match is None:
                break
            line = (key or match).start_mark.line + 1
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
