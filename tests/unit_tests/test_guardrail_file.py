"""Guardrails declared in a team file: read with the team, every mistake named by file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodes.specialists.team import load_team
from state.team_file import TeamFileError

TEAM = """extends: builtin
guardrails:
  - name: no-emails
    stage: input
    check: pii
    pii: email
    action: redact
  - name: grounded-figures
    stage: answer
    check: grounded_numbers
    action: block
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(text)
    return path


def test_the_built_in_team_ships_two_guardrails_and_a_file_adds_and_replaces_by_name(
    tmp_path: Path,
) -> None:
    builtin = load_team()
    assert [(g.name, g.stage, g.check, g.action) for g in builtin.guardrails] == [
        ("injected-instructions", "tool_output", "prompt_injection", "block"),
        ("grounded-figures", "answer", "grounded_numbers", "flag"),
    ]
    mine = load_team(write(tmp_path, TEAM))
    assert [(g.name, g.action) for g in mine.guardrails] == [
        ("injected-instructions", "block"),
        ("no-emails", "redact"),
        ("grounded-figures", "block"),
    ]
    alone = load_team(write(tmp_path, TEAM.replace("extends: builtin\n", "") + SPECIALIST))
    assert [g.name for g in alone.guardrails] == ["no-emails", "grounded-figures"]


SPECIALIST = """specialists:
  - name: a
    description: Looks things up.
    prompt: You are a.
    tools: [run_sql]
"""
ENTRY = """extends: builtin
guardrails:
  - name: g
    stage: {stage}
    check: {check}
    action: {action}
"""


@pytest.mark.parametrize(
    ("extra", "stage", "check", "action", "line", "words"),
    [
        ("", "input", "pii", "redact", 3, "check pii needs `pii`"),
        ("    pii: phone\n", "input", "pii", "redact", 3, "unknown PII type 'phone'"),
        ("", "answer", "specialists", "block", 3, "needs exactly one of `allow` and `deny`"),
        ("    deny: [data_analyst]\n", "answer", "specialists", "block", 3, "runs at stage plan"),
        ("", "input", "prompt_injection", "redact", 3, "only pii and regex find spans"),
        ("    pattern: '('\n", "input", "regex", "block", 7, "not a regular expression"),
        ("", "input", "python", "block", 3, "check python needs `function`"),
        ("    colour: red\n", "input", "prompt_injection", "block", 7, "unknown key `colour`"),
        ("", "lunch", "prompt_injection", "block", 4, "`stage`: Input should be 'input', 'plan'"),
        ("", "input", "prompt_injection", "boom", 6, "`action`: Input should be 'block', 'redact'"),
        ("    deny: [nobody]\n", "plan", "specialists", "block", 2, "no specialist named nobody"),
    ],
)
def test_a_bad_guardrail_is_one_error_naming_file_line_and_guardrail(
    tmp_path: Path, extra: str, stage: str, check: str, action: str, line: int, words: str
) -> None:
    text = ENTRY.format(stage=stage, check=check, action=action) + extra
    if "nobody" in extra:
        text = text.replace("extends: builtin\n", "") + SPECIALIST
    path = write(tmp_path, text)
    with pytest.raises(TeamFileError) as caught:
        load_team(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: guardrail 'g': "), message
    assert words in message, message


def test_a_name_used_twice_is_refused(tmp_path: Path) -> None:
    one = "  - {name: g, stage: input, check: prompt_injection}\n"
    path = write(tmp_path, "extends: builtin\nguardrails:\n" + one + one)
    with pytest.raises(TeamFileError, match=rf"^{path}:4: guardrail 'g': the name is used twice"):
        load_team(path)
