"""The evaluation dataset: JSONL or YAML, every problem named by file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from state.dataset import DatasetError, check_specialists, load_dataset

GOOD = {
    "id": "north-returns",
    "question": "Why did North's returns fall in 2025?",
    "expect": {
        "numbers": [{"value": 2.3, "tolerance": 0.1}],
        "mentions": ["14 days"],
        "specialists": ["sql_analyst", "doc_researcher"],
        "trajectory": "superset",
        "max_tokens": 40000,
    },
}


def jsonl(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_issues_example_line_loads_with_turns_and_approval(tmp_path: Path) -> None:
    turns = {"id": "t", "turns": ["How many orders?", "And in 2025?"], "approve": "all"}
    examples = load_dataset(jsonl(tmp_path, json.dumps(GOOD), "", json.dumps(turns)))
    assert [e.id for e in examples] == ["north-returns", "t"]
    assert examples[0].expect.numbers[0].tolerance == 0.1
    assert examples[0].expect.trajectory == "superset"
    assert examples[1].asked == ["How many orders?", "And in 2025?"]
    assert (examples[1].line, examples[1].approve, examples[0].approve) == (3, "all", "none")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "x", "question": "q"', "not valid JSON"),
        ('{"id": "x", "question": "q", "expect": {"numbers": [{"value": "lots"}]}}',
         "example 'x': `expect.numbers.0.value`: Input should be a valid number"),
        ('{"id": "x", "question": "q", "expect": {"trajectory": "sideways"}}',
         "example 'x': `expect.trajectory`: Input should be 'strict'"),
        ('{"id": "x", "question": "q", "turns": ["a"]}', "either `question` or `turns`"),
        ('{"id": "x", "question": "q", "approve": "some"}', "`approve`: Input should be 'all'"),
        ('{"id": "x", "question": "q", "extra": 1}', "unknown key `extra`"),
        ('{"id": "a b", "question": "q"}', "id 'a b' must be"),
        ('["not", "an", "object"]', "an example is an object"),
    ],
)  # fmt: skip
def test_a_malformed_line_is_an_error_naming_the_file_and_line(
    tmp_path: Path, bad: str, message: str
) -> None:
    path = jsonl(tmp_path, json.dumps(GOOD), bad)
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    assert str(caught.value).startswith(f"{path}:2: ")
    assert message in str(caught.value)


def test_yaml_errors_name_the_line_of_the_bad_key(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(
        "- id: one\n  question: How many?\n- id: two\n  question: Why?\n"
        "  expect:\n    mentions: [a]\n    max_tokens: -5\n"
    )
    with pytest.raises(DatasetError, match=r"data\.yaml:7: example 'two': `expect\.max_tokens`"):
        load_dataset(path)


def test_an_id_used_twice_names_both_lines(tmp_path: Path) -> None:
    path = jsonl(tmp_path, json.dumps(GOOD), json.dumps(GOOD))
    with pytest.raises(DatasetError, match=r":2: example 'north-returns': the id is used twice "):
        load_dataset(path)


def test_an_expected_specialist_the_team_lacks_names_its_line(tmp_path: Path) -> None:
    path = jsonl(tmp_path, json.dumps({"id": "a", "question": "q"}), json.dumps(GOOD))
    examples = load_dataset(path)
    with pytest.raises(DatasetError, match=r":2: example 'north-returns': no specialist named "):
        check_specialists(examples, ["sql_analyst"], path)
