"""Files in and out of the sandbox: copy inputs into its folder, collect the PNGs it saved."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from tools.errors import ToolError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_PNG_BYTES = 20 * 1024 * 1024
_SKIP_DIRS = {"inputs", ".mpl", "tmp"}  # given to the code, or matplotlib's own cache


def copy_inputs(inputs: Sequence[Path], dest: Path) -> None:
    """Copy each input file into ``dest`` under its own name; ToolError if missing or clashing."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in map(Path, inputs):
        if not src.is_file():
            raise ToolError(f"input file not found: {src}")
        target = dest / src.name
        if target.exists():
            raise ToolError(f"two inputs share the name '{src.name}'; rename one")
        shutil.copyfile(src, target)


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3``, ... when that file already exists."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = folder / name, 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def collect_pngs(workdir: Path, artifacts_dir: Path, limit: int) -> tuple[list[Path], str]:
    """Copy up to ``limit`` real PNG files saved under ``workdir``; return paths and a note."""
    found: list[Path] = []
    for root, dirs, files in os.walk(workdir):  # does not follow symlinked folders
        if Path(root) == workdir:
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in files:
            path = Path(root) / name
            # A symlink could smuggle any readable file out as an "artifact": skip it.
            if name.lower().endswith(".png") and not path.is_symlink() and path.is_file():
                found.append(path)
    found.sort(key=lambda p: (p.stat().st_mtime_ns, str(p)))
    kept: list[Path] = []
    skipped = 0
    for path in found:
        with path.open("rb") as fh:
            head = fh.read(8)
        if head != PNG_SIGNATURE or path.stat().st_size > _MAX_PNG_BYTES or len(kept) >= limit:
            skipped += 1
            continue
        artifacts_dir.mkdir(parents=True, exist_ok=True)
        target = unique_path(artifacts_dir, path.name)
        shutil.copyfile(path, target)
        kept.append(target)
    note = f"kept {len(kept)} of {len(found)} PNG files (limit {limit})" if skipped else ""
    return kept, note
