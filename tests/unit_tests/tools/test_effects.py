from pathlib import Path

from nodes.specialists.report_writer import write_report
from nodes.specialists.spec import Step
from state.reports import Brief
from state.settings import Settings
from tools.effects import FileEffects
from tools.workspace import Workspace


def names(n: int) -> str:
    return "report.md" if n == 1 else f"report-{n}.md"


def test_a_key_claims_one_file_and_finds_it_again(tmp_path: Path) -> None:
    effects = FileEffects(tmp_path / "effects")
    first, done = effects.claim("t/1.s/call_a", tmp_path / "run", names)
    assert (first.name, done) == ("report.md", False)
    # killed before the file was finished: the same key gets the same name back
    assert effects.claim("t/1.s/call_a", tmp_path / "run", names) == (first, False)
    effects.finish("t/1.s/call_a", first)
    assert effects.claim("t/1.s/call_a", tmp_path / "run", names) == (first, True)
    # another call of the same run gets the next name
    second, _ = effects.claim("t/1.s/call_b", tmp_path / "run", names)
    assert second.name == "report-2.md"


def test_the_report_tool_run_again_for_the_same_call_writes_one_file(tmp_path: Path) -> None:
    workspace = Workspace(Settings(home=tmp_path))
    brief = Brief(objective="Write it", thread_id="t", step_key="1.write", step_id="write")
    args = {"title": "North", "body_markdown": "Returns fell."}

    def run(call_id: str) -> str:
        step = Step(workspace, brief, call_id)
        message = write_report.invoke(
            {
                "name": "write_report",
                "args": {**args, "step": step},
                "id": call_id,
                "type": "tool_call",
            }
        )
        return str(message.artifact["artifacts"][0])

    assert run("call_1") == run("call_1")  # a resumed run calls it again: same file
    assert Path(run("call_2")).name == "report-2.md"  # a new call is a new report
    assert sorted(p.name for p in (tmp_path / "runs" / "t").glob("*.md")) == [
        "report-2.md",
        "report.md",
    ]
