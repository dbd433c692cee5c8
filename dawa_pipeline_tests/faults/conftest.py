"""The fault tests' temp directory: one of the test's own, for this process and its child runs, so scratch
folders left by a killed run can be seen and counted. And a bulk upload: many small, distinct, valid sets."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from dawa_pipeline.demo.live_set.build import build_set
from dawa_pipeline.demo.live_set.spec import SetSpec, Track

BULK_SETS = 13


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(scope="session")
def bulk_sets(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """BULK_SETS valid sets with distinct bytes (each its own tempo), one per project folder."""
    folder = tmp_path_factory.mktemp("bulk-sets")
    paths = []
    for i in range(BULK_SETS):
        path = folder / f"Bulk {i:02d} Project" / f"Bulk {i:02d}.als"
        path.parent.mkdir()
        spec = SetSpec(tempo=100.0 + i, tracks=[Track.midi("Keys"), Track.audio("Drums")])
        path.write_bytes(build_set(spec))
        paths.append(path)
    return paths
