import os
import socket
import subprocess
import time
from pathlib import Path

import matplotlib.image
import pytest

from tools.sandbox import SandboxLimits, namespaces_available, run_python
from tools.sandbox_files import PNG_SIGNATURE

FAST = SandboxLimits(wall_s=2, cpu_s=10)


@pytest.fixture
def namespaces() -> None:
    """Skip a namespace test where unshare cannot work, except in CI, where it must."""
    if namespaces_available():
        return
    reason = "unshare cannot create user, PID and network namespaces here"
    if os.environ.get("CI"):
        pytest.fail(f"CI must test the sandbox's namespaces, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.mark.parametrize("code", ["while True: pass", "import time\ntime.sleep(100)"])
def test_run_python_stops_at_wall_timeout(code: str, tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_python(code, artifacts_dir=tmp_path, limits=FAST)
    assert time.monotonic() - started < 6
    assert result.timed_out and not result.ok
    assert result.note == "stopped: wall-clock limit of 2 s reached"


def test_run_python_stops_at_cpu_limit(tmp_path: Path) -> None:
    result = run_python(
        "while True: pass", artifacts_dir=tmp_path, limits=SandboxLimits(wall_s=10, cpu_s=1)
    )
    assert result.timed_out and result.note == "stopped: CPU time limit of 1 s reached"


def test_run_python_stops_at_memory_limit(tmp_path: Path) -> None:
    result = run_python(
        "block = bytearray(2 * 1024**3)\nprint('allocated')", artifacts_dir=tmp_path
    )
    assert result.memory_exceeded and "allocated" not in result.stdout
    assert result.note == "stopped: memory limit of 768 MB exceeded"


def test_run_python_cannot_connect_to_local_listener(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), 2)\nprint('in')"
        result = run_python(code, artifacts_dir=tmp_path)
        listener.settimeout(0.5)
        with pytest.raises(TimeoutError):
            listener.accept()
    assert result.exit_code != 0 and "in" not in result.stdout
    assert result.note.startswith("refused: socket.")


@pytest.mark.parametrize(
    "code",
    [
        "import subprocess\nsubprocess.run(['true'])",
        "import os\nos.system('true')",
        "import ctypes\nctypes.CDLL('libc.so.6')",
    ],
)
def test_run_python_refuses_processes_and_native_loading(code: str, tmp_path: Path) -> None:
    result = run_python(code, artifacts_dir=tmp_path)
    assert result.exit_code != 0 and result.note.startswith("refused:")


@pytest.mark.usefixtures("namespaces")
def test_run_python_has_only_loopback_in_its_network_namespace(tmp_path: Path) -> None:
    result = run_python("print(open('/proc/net/dev').read())", artifacts_dir=tmp_path)
    interfaces = {line.split(":")[0].strip() for line in result.stdout.splitlines()[2:] if line}
    assert interfaces == {"lo"}


def test_run_python_env_has_no_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    result = run_python(
        "import os\nprint(sorted(os.environ))\nprint(os.getcwd())", artifacts_dir=tmp_path
    )
    assert "OPENAI_API_KEY" not in result.stdout and "sk-should" not in result.stdout
    assert "MPLBACKEND" in result.stdout


def test_run_python_returns_chart_and_reads_inputs(tmp_path: Path) -> None:
    data = tmp_path / "sales.csv"
    data.write_text("month,units\n1,10\n2,14\n3,9\n")
    code = """
import csv
import matplotlib.pyplot as plt
rows = list(csv.DictReader(open('inputs/sales.csv')))
plt.bar([r['month'] for r in rows], [int(r['units']) for r in rows])
import os
os.makedirs('out', exist_ok=True)
plt.savefig('out/units.png')
print(sum(int(r['units']) for r in rows))
"""
    result = run_python(code, inputs=[data], artifacts_dir=tmp_path / "artifacts")
    assert result.ok, result.stderr
    assert result.stdout.strip() == "33"
    [chart] = result.artifacts
    assert chart.parent == tmp_path / "artifacts" and chart.read_bytes()[:8] == PNG_SIGNATURE
    assert matplotlib.image.imread(chart).shape[0] > 100


def test_run_python_caps_output_with_a_note(tmp_path: Path) -> None:
    result = run_python("print('x' * 50_000)", artifacts_dir=tmp_path)
    assert len(result.stdout) == 20_000 and "stdout cut at 20,000 of 50,001 bytes" in result.note


def test_run_python_leaves_no_workdir_behind(tmp_path: Path) -> None:
    result = run_python("import os\nprint(os.getcwd())", artifacts_dir=tmp_path)
    assert not Path(result.stdout.strip()).exists()


FORK_EXEC = """
import _posixsubprocess, os
# the one spawn the audit hook does not see; setsid, so a group kill would miss it
r, w = os.pipe()
pid = _posixsubprocess.fork_exec(
    [b"/bin/sleep", b"{seconds}"], [b"/bin/sleep"], True, (w,), None, None,
    -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, None, -1, None, False,
)
print("started", pid)
"""


def processes_running(argument: str) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if argument.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.usefixtures("namespaces")
def test_nothing_the_code_starts_outlives_the_call(tmp_path: Path) -> None:
    seconds = "617.25"  # a unique argument to find the process by
    result = run_python(FORK_EXEC.format(seconds=seconds), artifacts_dir=tmp_path)
    assert result.stdout.startswith("started"), result
    assert processes_running(seconds) == []


@pytest.mark.usefixtures("namespaces")
def test_the_code_cannot_signal_or_see_processes_outside(tmp_path: Path) -> None:
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        code = (
            "import os, signal\n"
            f"print(sorted(os.listdir('/proc')).count('{bystander.pid}'), os.getppid())\n"
            f"os.kill({bystander.pid}, signal.SIGKILL)\n"
        )
        result = run_python(code, artifacts_dir=tmp_path)
        assert result.stdout.split() == ["0", "0"]  # neither the bystander nor a parent
        assert "ProcessLookupError" in result.stderr
        assert bystander.poll() is None  # still alive
    finally:
        bystander.kill()
        bystander.wait()


def test_a_file_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    code = "with open('big.bin', 'wb') as f:\n    f.write(b'x' * (3 * 1024 * 1024))\n"
    result = run_python(code, artifacts_dir=tmp_path, limits=SandboxLimits(file_mb=1))
    assert result.exit_code != 0
    assert "refused: a file reached the size limit of 1 MB" in result.note
