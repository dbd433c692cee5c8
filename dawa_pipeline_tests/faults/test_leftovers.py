"""Which leftovers a run removes: those of dead processes, never a live writer's files (another build, an
export in progress), and files without a pid only once long untouched."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from dawa_pipeline.storage.backend import PARTIAL_FILE_PREFIX
from dawa_pipeline.storage.leftovers import (
    UNOWNED_MAX_IDLE,
    remove_stale_partials,
    remove_stale_scratch_folders,
    scratch_folder,
)
from dawa_pipeline.storage.local import LocalStorage


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    return int(child.stdout)


def _touch(path: Path, *, age: float = 0.0, folder: bool = False) -> Path:
    """Create the file (or folder), last modified `age` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir() if folder else path.touch()
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_only_dead_writers_partials_are_removed(tmp_path):
    storage = LocalStorage(tmp_path / "storage")
    folder = tmp_path / "storage" / "artists" / "a" / "datasets"
    dead = _touch(folder / f"{PARTIAL_FILE_PREFIX}{_dead_pid()}-x1")
    live = _touch(folder / f"{PARTIAL_FILE_PREFIX}{os.getpid()}-x2", age=10 * UNOWNED_MAX_IDLE)
    unowned_old = _touch(folder / f"{PARTIAL_FILE_PREFIX}abc_1234", age=UNOWNED_MAX_IDLE + 60)
    unowned_new = _touch(folder / f"{PARTIAL_FILE_PREFIX}abc_5678")
    elsewhere = _touch(tmp_path / "storage" / "artists" / "b" / f"{PARTIAL_FILE_PREFIX}{_dead_pid()}-x3")
    (folder / "dataset-20260101T000000Z.zip").write_bytes(b"zip")

    removed = remove_stale_partials(storage, "artists/a")

    assert sorted(removed) == sorted(f"artists/a/datasets/{p.name}" for p in (dead, unowned_old))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [live.name, unowned_new.name, "dataset-20260101T000000Z.zip"]
    )
    assert elsewhere.exists()  # outside the folder asked for


def test_only_dead_processes_scratch_folders_are_removed(temp_dir):
    dead = _touch(temp_dir / f"dawa-dataset-{_dead_pid()}-abcd", folder=True)
    unowned_old = _touch(temp_dir / "dawa-dataset-k2j4h5", age=UNOWNED_MAX_IDLE + 60, folder=True)
    unowned_new = _touch(temp_dir / "dawa-dataset-m3n4b5", folder=True)
    other_kind = _touch(temp_dir / f"dawa-audio-{_dead_pid()}-abcd", folder=True)
    longer_prefix = _touch(
        temp_dir / f"dawa-dataset-check-{os.getpid()}-e", age=UNOWNED_MAX_IDLE * 2, folder=True
    )
    (dead / "audio").write_bytes(b"x")

    with scratch_folder("dawa-dataset") as live:
        (live / "half.zip").write_bytes(b"x")
        removed = remove_stale_scratch_folders("dawa-dataset")
        assert live.is_dir()

    assert sorted(removed) == sorted([dead, unowned_old])
    assert not live.exists()
    assert unowned_new.is_dir() and other_kind.is_dir() and longer_prefix.is_dir()
