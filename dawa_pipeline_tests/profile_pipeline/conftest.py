"""Fixtures for profile refresh runs (see profile_pipeline_env)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from profile_pipeline_env import PipelineEnv


@pytest.fixture
def pipeline_env(database_url: str, tmp_path: Path) -> Iterator[PipelineEnv]:
    with dg.instance_for_test() as instance:
        yield PipelineEnv(database_url, tmp_path / "storage", instance)


@pytest.fixture(scope="session")
def demo_sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    from dawa_pipeline.demo.sets import write_demo_sets

    return write_demo_sets(tmp_path_factory.mktemp("demo-sets"))
