"""Run model-written Python in a limited subprocess and collect the PNG charts it saves.

What it isolates, where Linux namespaces are available (``unshare``, probed once): the code
runs in its own PID namespace (it sees only its own processes, cannot signal or read any
other, and everything it starts is killed with it when the tool returns, ``setsid`` or not),
its own network namespace (no network at all, even from C code) and a fresh /proc. Always:
wall-clock, CPU, address-space, file-size and open-file limits; the process group is killed
when the call returns; output is capped; the environment is minimal (no API keys); an audit
hook refuses sockets, subprocesses, exec/fork and ctypes loading; a fresh folder, deleted
afterwards.

What it does NOT isolate: the filesystem. The code runs as the same user and can read what
that user can read, and write outside its folder (each file capped in size, not their number).
Without namespaces, process confinement is only the audit hook and the group kill, which
native code can sidestep. The process limit is not enforced for root. For untrusted input, run
Orchestra as an unprivileged user in a container or VM.
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tools.errors import ToolError
from tools.sandbox_files import collect_pngs, copy_inputs
from tools.sandbox_prelude import CPU_MARKER, PRELUDE, REFUSAL_MARKER

_MAX_CODE_CHARS = 100_000
_MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "bad_alloc", "Unable to allocate")


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one run: seconds of wall clock and CPU, memory, output bytes, chart count."""

    wall_s: float = 20
    cpu_s: int = 15
    memory_mb: int = 768
    file_mb: int = 64
    open_files: int = 256
    processes: int = 64
    max_output_bytes: int = 20_000
    max_artifacts: int = 10


@dataclass
class SandboxResult:
    """What a run printed, how it ended, the charts it produced, and a one-line note."""

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool = False
    memory_exceeded: bool = False
    artifacts: list[Path] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        """True when the code ran to completion with exit code 0."""
        return self.exit_code == 0 and not self.timed_out and not self.memory_exceeded


# Own PID, network, mount (for its /proc) and user namespaces; the child dies with unshare.
NAMESPACES = ["--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--map-root-user"]


@functools.cache
def namespaces_available() -> bool:
    """Whether ``unshare`` with NAMESPACES works here (probed once per process)."""
    exe = shutil.which("unshare")
    if not exe or not sys.platform.startswith("linux"):
        return False
    try:
        probe = subprocess.run(
            [exe, *NAMESPACES, "/bin/true"],
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def _user_processes() -> int:
    """Return how many processes this user runs now (the base of the process limit)."""
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            count += entry.stat().st_uid == uid
    return count


def _reader(stream: IO[bytes], cap: int, sink: list) -> None:
    """Keep the first ``cap`` bytes of ``stream`` and count the rest (draining the pipe)."""
    kept, total = bytearray(), 0
    while chunk := stream.read(65536):
        total += len(chunk)
        if len(kept) < cap:
            kept += chunk[: cap - len(kept)]
    sink.extend([bytes(kept), total])


# Process groups of the sandboxes running now: a cancelled run ends them (stop_sandboxes).
_LIVE: set[int] = set()


def stop_sandboxes() -> None:
    """End every sandbox this process runs, with all it started (the run was cancelled)."""
    for group in list(_LIVE):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


def run_python(
    code: str,
    *,
    inputs: Sequence[Path] = (),
    artifacts_dir: Path,
    limits: SandboxLimits = SandboxLimits(),
) -> SandboxResult:
    """Run ``code`` as ``main.py`` in a fresh folder (inputs in ``./inputs/``); PNGs come back."""
    if not code.strip():
        raise ToolError("no code to run")
    if len(code) > _MAX_CODE_CHARS:
        raise ToolError(f"code is too long ({len(code):,} characters; limit {_MAX_CODE_CHARS:,})")
    workdir = Path(tempfile.mkdtemp(prefix="orchestra-sandbox-"))
    try:
        copy_inputs(inputs, workdir / "inputs")
        (workdir / "main.py").write_text(code, encoding="utf-8")
        (workdir / "tmp").mkdir()
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(workdir),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(workdir / ".mpl"),
            "TMPDIR": str(workdir / "tmp"),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
        cmd = [sys.executable, "-I", "-c", PRELUDE]
        if namespaces_available():
            cmd = [str(shutil.which("unshare")), *NAMESPACES, "--", *cmd]

        # The process limit counts all of the user's processes: allow this many more.
        processes = _user_processes() + limits.processes

        def set_limits() -> None:  # runs in the child between fork and exec
            mem = limits.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 1))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            size = limits.file_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
            resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
            resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))

        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=set_limits,
            start_new_session=True,
        )
        _LIVE.add(proc.pid)
        outs: tuple[list, list] = ([], [])
        threads = [
            threading.Thread(target=_reader, args=(s, limits.max_output_bytes, o), daemon=True)
            for s, o in zip((proc.stdout, proc.stderr), outs, strict=True)
        ]
        for t in threads:
            t.start()
        timed_out = False
        try:
            proc.wait(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            # Whatever it started goes with it, on time-out or not (the PID namespace takes
            # the rest, setsid included).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            _LIVE.discard(proc.pid)
        for t in threads:
            t.join(timeout=5)
        artifacts, art_note = collect_pngs(workdir, Path(artifacts_dir), limits.max_artifacts)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return _result(proc.returncode, timed_out, outs, limits, artifacts, art_note)


def _result(
    code: int,
    timed_out: bool,
    outs: tuple[list, list],
    limits: SandboxLimits,
    artifacts: list[Path],
    art_note: str,
) -> SandboxResult:
    """Decode the output and explain how the run ended in one line."""
    (out, out_n), (err, err_n) = ((bytes(o[0]), int(o[1])) if o else (b"", 0) for o in outs)
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    cpu_out = not timed_out and (code in (-signal.SIGXCPU, -signal.SIGKILL) or CPU_MARKER in stderr)
    memory = code != 0 and not timed_out and any(s in stderr for s in _MEMORY_SIGNS)
    notes = []
    if timed_out:
        notes.append(f"stopped: wall-clock limit of {limits.wall_s:g} s reached")
    elif cpu_out:
        notes.append(f"stopped: CPU time limit of {limits.cpu_s} s reached")
    if memory:
        notes.append(f"stopped: memory limit of {limits.memory_mb} MB exceeded")
    if "File too large" in stderr or code == -signal.SIGXFSZ:
        notes.append(f"refused: a file reached the size limit of {limits.file_mb} MB")
    if REFUSAL_MARKER in stderr:
        event = stderr.split(REFUSAL_MARKER, 1)[1].split()[0]
        notes.append(f"refused: {event} — the sandbox has no network and cannot start processes")
    for name, n in (("stdout", out_n), ("stderr", err_n)):
        if n > limits.max_output_bytes:
            notes.append(f"{name} cut at {limits.max_output_bytes:,} of {n:,} bytes")
    notes += [art_note] if art_note else []
    return SandboxResult(
        stdout, stderr, code, timed_out or cpu_out, memory, artifacts, "; ".join(notes)
    )
