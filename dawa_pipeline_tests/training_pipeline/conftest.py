"""Fixtures for training runs: the environment (see training_runs.py) and the demo sets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from training_runs import TrainingEnv


@pytest.fixture
def training_env(database_url: str, tmp_path: Path) -> Iterator[TrainingEnv]:
    with dg.instance_for_test() as instance:
        yield TrainingEnv(database_url, tmp_path / "storage", instance)


@pytest.fixture(scope="session")
def demo_sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    from dawa_pipeline.demo.sets import write_demo_sets

    return write_demo_sets(tmp_path_factory.mktemp("demo-sets"))
