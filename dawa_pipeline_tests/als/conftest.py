"""Fixtures for the parser tests: the real Live Set corpus (skipped when DAWA_ALS_CORPUS is unset)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    folder = os.environ.get("DAWA_ALS_CORPUS")
    if not folder:
        pytest.skip("DAWA_ALS_CORPUS is not set")
    path = Path(folder)
    if not path.is_dir():
        pytest.fail(f"DAWA_ALS_CORPUS={folder} is not a folder")
    return path
