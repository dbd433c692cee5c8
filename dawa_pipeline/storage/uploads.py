"""Putting local Live Sets into storage at the seed's upload paths, skipping files already there unchanged."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from dawa_pipeline.als import project_name_of
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import StorageBackend


class NotUploadable(ValueError):
    """A named path that cannot become an upload: not a .als file, or no project folder to file it under."""


class UploadOutcome(Enum):
    UPLOADED = "uploaded"
    REPLACED = "replaced"
    SKIPPED = "skipped (identical file already uploaded)"


@dataclass(frozen=True)
class UploadResult:
    local_path: Path
    storage_path: str
    outcome: UploadOutcome


def find_sets(paths: Iterable[Path]) -> list[Path]:
    """Every .als file named or under a named folder, in a stable order; Live's Backup folders are skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.suffix.lower() == ".als" and p.is_file() and "Backup" not in p.parts
            )
        elif path.is_file():
            if path.suffix.lower() != layout.ALS_SUFFIX:
                raise NotUploadable(f"{path}: not a Live Set (uploads take .als files)")
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def upload_target(artist_slug: str, local: Path) -> str:
    """Where `local` is uploaded: its project is the folder holding it (as given, or the working directory
    for a bare file name), without Live's " Project" suffix."""
    folder = Path(os.path.abspath(local)).parent.name
    try:
        return layout.upload_path(artist_slug, project_name_of(folder), local.name)
    except ValueError as exc:
        raise NotUploadable(f"{local}: cannot be filed under a project folder ({exc})") from None


def upload_sets(backend: StorageBackend, artist_slug: str, files: Iterable[Path]) -> Iterator[UploadResult]:
    """Upload each set to artists/{slug}/uploads/{project}/{file}; identical bytes already there are
    skipped. Every target is checked before the first upload, so a bad name uploads nothing."""
    targets = [(local, upload_target(artist_slug, local)) for local in files]
    for local, target in targets:
        data = local.read_bytes()
        outcome = UploadOutcome.UPLOADED
        if backend.exists(target):
            if backend.sha256(target) == hashlib.sha256(data).hexdigest():
                yield UploadResult(local, target, UploadOutcome.SKIPPED)
                continue
            outcome = UploadOutcome.REPLACED
        backend.put(target, data, "application/octet-stream")
        yield UploadResult(local, target, outcome)
