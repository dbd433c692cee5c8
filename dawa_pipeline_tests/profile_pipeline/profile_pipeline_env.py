"""A real Postgres, storage folder and Dagster instance where sets go in the way they do in production
(upload → upload sensor → ingest run) and artist partitions are then refreshed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from dawa_pipeline.assets.ingest import als_summary, als_summary_export, als_upload
from dawa_pipeline.assets.profile import profile_assets, profile_checks
from dawa_pipeline.db import profiles
from dawa_pipeline.db.artists import Artist, ensure_artist, get_artist
from dawa_pipeline.db.connection import connect
from dawa_pipeline.definitions import build_resources
from dawa_pipeline.resources import DatabaseResource, StorageResource
from dawa_pipeline.sensors import als_upload_sensor
from dawa_pipeline.storage.local import LocalStorage
from dawa_pipeline.uploads import upload_sets

ALL_ASSETS = [als_upload, als_summary, als_summary_export, *profile_assets, *profile_checks]


@dataclass
class PipelineEnv:
    database_url: str
    storage_root: Path
    instance: dg.DagsterInstance
    upload_cursor: str | None = None
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

    def ingest(self, artist_name: str, files: Sequence[Path]) -> list[str]:
        """Upload the sets, tick the upload sensor as the daemon does and parse the new sets."""
        list(upload_sets(self.storage, self.artist(artist_name).slug, files))
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.upload_cursor, resources=self.resources
        ) as context:
            tick = als_upload_sensor(context)
        for request in tick.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(
                request.partitions_def_name, list(request.partition_keys or [])
            )
        self.upload_cursor = tick.cursor
        keys = [r.partition_key for r in tick.run_requests or [] if r.partition_key]
        # One run over the new sets (what a single-run backfill does): one materialization event per set.
        dg.materialize(
            ALL_ASSETS,
            selection=[als_summary.key, als_summary_export.key],
            instance=self.instance,
            resources=self.resources,
            tags={
                "dagster/asset_partition_range_start": keys[0],
                "dagster/asset_partition_range_end": keys[-1],
            },
        )
        return keys

    def refresh(self, slug: str, *, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
        """One profile refresh run for an artist partition (what the sensor and schedule request)."""
        return dg.materialize(
            ALL_ASSETS,
            selection=dg.AssetSelection.assets(*profile_assets),
            partition_key=slug,
            instance=self.instance,
            resources=self.resources,
            raise_on_error=raise_on_error,
        )

    def profile(self, artist_name: str) -> profiles.StoredProfile | None:
        with connect(self.database_url) as conn:
            artist = get_artist(conn, name=artist_name)
            assert artist is not None
            return profiles.get_profile(conn, artist.id)
