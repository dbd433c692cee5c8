"""What killed writers leave behind, and removing it: `.dawa-partial-*` files of unfinished writes in a local
storage folder, and scratch folders (`scratch_folder`) in the temp directory.

Both names carry the writer's pid (`.dawa-partial-{pid}-…`, `{prefix}-{pid}-…`), so a leftover is one whose
process is gone; a live writer's files are never touched, whatever their age. A name without a pid (written
before pids were added) counts as left over once untouched for `UNOWNED_MAX_IDLE`. Removing a file that a
writer on another machine still uses (a storage folder shared over the network) only fails that write: its
final rename finds nothing, so no object is ever half written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dawa_pipeline.storage.backend import PARTIAL_FILE_PREFIX, StorageBackend, folder_segments
from dawa_pipeline.storage.local import LocalStorage

UNOWNED_MAX_IDLE = 6 * 60 * 60.0
"""Seconds a leftover without a pid in its name must be untouched before it is removed."""

_OWNER = re.compile(r"(\d+)-")


@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A new folder `{prefix}-{pid}-…` in the temp directory, removed on exit (or, if this process is
    killed, by the next `remove_stale_scratch_folders(prefix)`)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_scratch_folders(prefix: str) -> list[Path]:
    """Remove the `prefix` scratch folders whose process is gone; the folders removed. Folders of a longer
    prefix (`{prefix}-check-…`) are that prefix's own."""
    removed = []
    for entry in Path(tempfile.gettempdir()).glob(f"{prefix}-*"):
        rest = entry.name[len(prefix) + 1 :]
        if "-" in rest and not _OWNER.match(rest):
            continue
        if entry.is_dir() and not entry.is_symlink() and _is_stale(entry, rest):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def remove_stale_partials(backend: StorageBackend, folder: str) -> list[str]:
    """Remove the unfinished writes of dead processes under the storage folder `folder`, recursively; their
    paths relative to the storage root. Only a local folder has them: other backends upload whole objects."""
    if not isinstance(backend, LocalStorage):
        return []
    removed = []
    for parent, _, files in os.walk(backend.root.joinpath(*folder_segments(folder))):
        for name in files:
            path = Path(parent, name)
            if (
                name.startswith(PARTIAL_FILE_PREFIX)
                and not path.is_symlink()
                and _is_stale(path, name[len(PARTIAL_FILE_PREFIX) :])
            ):
                path.unlink(missing_ok=True)
                removed.append(path.relative_to(backend.root).as_posix())
    return removed


def _is_stale(path: Path, name_rest: str) -> bool:
    """Left over: its writer's process is gone, or (no pid in its name) untouched for UNOWNED_MAX_IDLE."""
    owner = _OWNER.match(name_rest)
    if owner is not None:
        return not _is_running(int(owner[1]))
    try:
        return time.time() - path.lstat().st_mtime > UNOWNED_MAX_IDLE
    except FileNotFoundError:  # its writer finished (or removed it) meanwhile
        return False


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # OverflowError: no pid is that large
        return False
    except PermissionError:  # another user's process
        return True
    return True
