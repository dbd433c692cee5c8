"""Putting local Live Sets into storage at the seed's upload paths, skipping files already there unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from dawa_pipeline.als import project_name_of
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import StorageBackend


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
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def upload_sets(backend: StorageBackend, artist_slug: str, files: Iterable[Path]) -> Iterator[UploadResult]:
    """Upload each set to artists/{slug}/uploads/{project}/{file}; identical bytes already there are
    skipped."""
    for local in files:
        data = local.read_bytes()
        target = layout.upload_path(artist_slug, project_name_of(local.parent.name), local.name)
        outcome = UploadOutcome.UPLOADED
        if backend.exists(target):
            if hashlib.sha256(backend.get(target)).digest() == hashlib.sha256(data).digest():
                yield UploadResult(local, target, UploadOutcome.SKIPPED)
                continue
            outcome = UploadOutcome.REPLACED
        backend.put(target, data, "application/octet-stream")
        yield UploadResult(local, target, outcome)
