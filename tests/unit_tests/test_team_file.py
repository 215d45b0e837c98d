"""The team file: the built-in team is one, and every mistake names the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.cli.main import main
from nodes.specialists import SAMPLE_TEAM
from nodes.specialists.team import BUILTIN_TOOLS, load_team
from state.team_file import TeamFileError

GOOD_ENTRY = """  - name: {name}
    description: Looks things up.
    prompt: You are {name}.
    tools: [{tools}]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(text)
    return path


def test_the_built_in_team_is_read_from_its_own_team_file() -> None:
    assert [s.name for s in SAMPLE_TEAM] == [
        "sql_analyst",
        "doc_researcher",
        "data_analyst",
        "report_writer",
    ]
    by_name = {s.name: s for s in SAMPLE_TEAM}
    assert by_name["sql_analyst"].tool_names() == ["list_tables", "describe_table", "run_sql"]
    assert dict(by_name["report_writer"].interrupt_on) == {"write_report": True}
    assert by_name["doc_researcher"].prompt.startswith("You are doc_researcher")


def test_extends_builtin_adds_and_replaces_in_place(tmp_path: Path) -> None:
    text = "extends: builtin\nspecialists:\n"
    text += GOOD_ENTRY.format(name="doc_researcher", tools="search_docs")
    text += GOOD_ENTRY.format(name="numbers", tools="run_sql")
    specs = load_team(write(tmp_path, text)).specs()
    assert [s.name for s in specs] == [
        "sql_analyst",
        "doc_researcher",
        "data_analyst",
        "report_writer",
        "numbers",
    ]
    # The file's doc_researcher replaced the built-in one: its own prompt and single tool.
    assert specs[1].prompt == "You are doc_researcher." and specs[1].tool_names() == ["search_docs"]


def test_a_file_without_extends_holds_only_its_own_specialists(tmp_path: Path) -> None:
    text = "specialists:\n" + GOOD_ENTRY.format(name="numbers", tools="run_sql")
    assert [s.name for s in load_team(write(tmp_path, text)).specs()] == ["numbers"]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (GOOD_ENTRY.format(name="a", tools="run_sql") + "    colour: red\n", 6, "unknown key"),
        (GOOD_ENTRY.format(name="a", tools="run_sql, fly"), 5, "unknown built-in tool 'fly'"),
        (GOOD_ENTRY.format(name="a", tools="mcp:catalog/x"), 5, "does not declare"),
        (
            GOOD_ENTRY.format(name="a", tools="run_sql") * 2,
            6,
            "used twice",
        ),
        (GOOD_ENTRY.format(name="a", tools="run_sql") + "    max_iterations: 0\n", 6, "max_i"),
    ],
)
def test_a_bad_entry_is_one_error_naming_file_and_line(
    tmp_path: Path, body: str, line: int, words: str
) -> None:
    path = write(tmp_path, "specialists:\n" + body)
    with pytest.raises(TeamFileError) as caught:
        load_team(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message or (words == "max_i" and "greater than or equal" in message)


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "specialists:\n  - name: a\n    tools: [run_sql\n")
    with pytest.raises(TeamFileError, match=rf"^{path}:\d+: not valid YAML"):
        load_team(path)


def test_the_command_line_refuses_a_bad_team_file_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "specialists:\n" + GOOD_ENTRY.format(name="a", tools="fly"))
    monkeypatch.setenv("ORCHESTRA_TEAM", str(path))
    for argv in (["team"], ["ask", "How many orders?"], ["demo"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        last = err.strip().splitlines()[-1]
        assert "Traceback" not in err and last.startswith("orchestra: error: ")
        assert f"{path}:5:" in last and "unknown built-in tool 'fly'" in last


def test_every_built_in_tool_is_in_the_registry() -> None:
    assert {t for s in SAMPLE_TEAM for t in s.tool_names()} == set(BUILTIN_TOOLS)


def test_a_team_lead_is_an_entry_naming_its_teams_file(tmp_path: Path) -> None:
    (tmp_path / "finance.yaml").write_text(
        "specialists:\n" + GOOD_ENTRY.format(name="payroll", tools="run_sql")
    )
    text = """specialists:
  - name: finance_lead
    description: Leads the finance team.
    team: finance.yaml
"""
    [lead] = load_team(write(tmp_path, text)).specs()
    assert lead.name == "finance_lead" and [s.name for s in lead.lead_team] == ["payroll"]


def test_a_team_lead_with_tools_of_its_own_is_refused(tmp_path: Path) -> None:
    text = """specialists:
  - name: finance_lead
    description: Leads the finance team.
    team: finance.yaml
    tools: [run_sql]
"""
    path = write(tmp_path, text)
    with pytest.raises(TeamFileError, match=rf"^{path}:2: .*a team lead has no `tools`"):
        load_team(path)
