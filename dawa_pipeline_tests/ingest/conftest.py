"""Fixtures for full ingest runs: the test's Postgres, a storage folder, a Dagster instance, and a helper that
does what the daemon does with the upload sensor's result."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from dawa_pipeline.assets.ingest import als_summary, als_summary_export, als_upload
from dawa_pipeline.checks import ingest_checks
from dawa_pipeline.db.artists import Artist, ensure_artist
from dawa_pipeline.db.connection import connect
from dawa_pipeline.definitions import build_resources
from dawa_pipeline.resources import DatabaseResource, StorageResource
from dawa_pipeline.sensors import als_upload_sensor
from dawa_pipeline.storage.local import LocalStorage
from dawa_pipeline.uploads import upload_sets

INGEST_ASSETS = [als_upload, als_summary, als_summary_export, *ingest_checks]


@dataclass
class IngestEnv:
    """A real Postgres database, a real storage folder and a real (temporary) Dagster instance."""

    database_url: str
    storage_root: Path
    instance: dg.DagsterInstance
    cursor: str | None = None
    resources: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.resources = build_resources(
            DatabaseResource(url=self.database_url), StorageResource(root=str(self.storage_root))
        )

    @property
    def storage(self) -> LocalStorage:
        return LocalStorage(self.storage_root)

    def artist(self, name: str) -> Artist:
        with connect(self.database_url) as conn:
            artist = ensure_artist(conn, name)
            conn.commit()
        return artist

    def upload(self, artist_name: str, files: Sequence[Path]) -> list[str]:
        artist = self.artist(artist_name)
        return [r.storage_path for r in upload_sets(self.storage, artist.slug, files)]

    def tick(self) -> dg.SensorResult:
        """Evaluate the upload sensor once and apply its partition requests and cursor, as the daemon does."""
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=self.resources
        ) as context:
            result = als_upload_sensor(context)
        assert isinstance(result, dg.SensorResult)
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(
                request.partitions_def_name, list(request.partition_keys or [])
            )
        self.cursor = result.cursor
        return result

    def materialize(self, partition_key: str, *, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            INGEST_ASSETS,
            partition_key=partition_key,
            instance=self.instance,
            resources=self.resources,
            raise_on_error=raise_on_error,
        )

    def materialize_range(
        self, first: str, last: str, *, raise_on_error: bool = True
    ) -> dg.ExecuteInProcessResult:
        """One run over a range of set partitions (what a single-run backfill launches)."""
        return dg.materialize(
            INGEST_ASSETS,
            instance=self.instance,
            resources=self.resources,
            raise_on_error=raise_on_error,
            tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
        )

    def run_requested(self, result: dg.SensorResult) -> dict[str, dg.ExecuteInProcessResult]:
        return {
            r.partition_key: self.materialize(r.partition_key, raise_on_error=False)
            for r in result.run_requests or []
            if r.partition_key
        }


@pytest.fixture
def ingest_env(database_url: str, tmp_path: Path) -> Iterator[IngestEnv]:
    with dg.instance_for_test() as instance:
        yield IngestEnv(database_url, tmp_path / "storage", instance)


@pytest.fixture(scope="session")
def demo_sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    from dawa_pipeline.demo.sets import write_demo_sets

    return write_demo_sets(tmp_path_factory.mktemp("demo-sets"))
