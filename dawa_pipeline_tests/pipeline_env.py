"""The pipeline as production runs it, in the test's process: a real Postgres database, a real storage folder
and a real (temporary) Dagster instance. Sets are uploaded, sensors ticked and their run requests executed as
the daemon does (with dawa_pipeline.cli.inprocess, as `dawa demo` does), and any asset group materialized
for a partition or a range of partitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import dagster as dg

from dawa_pipeline.als import parse_als
from dawa_pipeline.cli.inprocess import evaluate_sensor, execute_run_request
from dawa_pipeline.db import profiles, summaries, training_items
from dawa_pipeline.db.artists import Artist, ensure_artist, get_artist
from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.training_items import TrainingItem
from dawa_pipeline.definitions import defs
from dawa_pipeline.defs.ingest.sensors import als_upload_sensor
from dawa_pipeline.defs.partitions import RANGE_END_TAG, RANGE_START_TAG, partitions_of, set_partitions
from dawa_pipeline.defs.resources import DatabaseResource, StorageResource, build_resources
from dawa_pipeline.defs.training.resources import PromptWriterResource
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.local import LocalStorage
from dawa_pipeline.storage.uploads import upload_sets

INGEST = dg.AssetSelection.groups("ingest")
PROFILE = dg.AssetSelection.groups("profile")
CODE_LOCATION = defs()
ALL_ASSETS = [*CODE_LOCATION.assets, *CODE_LOCATION.asset_checks]


@dataclass
class PipelineEnv:
    database_url: str
    storage_root: Path
    instance: dg.DagsterInstance
    prompt_writer: PromptWriterResource = field(default_factory=lambda: PromptWriterResource(offline=True))
    # Each sensor's cursor, by sensor name, as the daemon keeps it between ticks.
    cursors: dict[str, str | None] = field(default_factory=dict)

    @property
    def storage(self) -> LocalStorage:
        return LocalStorage(self.storage_root)

    @property
    def resources(self) -> dict[str, Any]:
        return build_resources(
            DatabaseResource(url=self.database_url),
            StorageResource(root=str(self.storage_root)),
            self.prompt_writer,
            self.storage_root.parent / "values",
        )

    def artist(self, name: str) -> Artist:
        with connect(self.database_url) as conn:
            artist = ensure_artist(conn, name)
            conn.commit()
        return artist

    def upload(self, artist_name: str, files: Sequence[Path]) -> list[str]:
        """Upload sets as `dawa upload` does; returns their storage paths."""
        artist = self.artist(artist_name)
        return [r.storage_path for r in upload_sets(self.storage, artist.slug, files)]

    def tick(self, sensor: dg.SensorDefinition = als_upload_sensor) -> dg.SensorResult:
        """One tick of `sensor` from its last cursor; partition requests and asset events are applied."""
        result = evaluate_sensor(self.instance, sensor, self.resources, self.cursors.get(sensor.name))
        self.cursors[sensor.name] = result.cursor
        return result

    def keys_of(self, result: dg.SensorResult, partitions: str = set_partitions.name) -> list[str]:
        """Every partition the tick's run requests cover, in partition order."""
        order = self.instance.get_dynamic_partitions(partitions)
        return [key for request in result.run_requests or [] for key in partitions_of(request, order)]

    def run_requested(
        self, result: dg.SensorResult, sensor: dg.SensorDefinition = als_upload_sensor
    ) -> list[dg.ExecuteInProcessResult]:
        """Execute the tick's run requests as the daemon launches them, in order."""
        return [
            execute_run_request(self.instance, request, ALL_ASSETS, self.resources, sensor.name)
            for request in result.run_requests or []
        ]

    def materialize(
        self,
        selection: dg.AssetSelection | Sequence[str],
        partition_key: str | None = None,
        *,
        tags: dict[str, str] | None = None,
        run_config: dict[str, Any] | None = None,
        raise_on_error: bool = True,
    ) -> dg.ExecuteInProcessResult:
        """One run of the selected assets (and their checks) for a partition."""
        return dg.materialize(
            ALL_ASSETS,
            selection=selection,
            partition_key=partition_key,
            instance=self.instance,
            resources=self.resources,
            tags=tags,
            run_config=run_config,
            raise_on_error=raise_on_error,
        )

    def materialize_range(
        self, selection: dg.AssetSelection, first: str, last: str, *, raise_on_error: bool = True
    ) -> dg.ExecuteInProcessResult:
        """One run over a range of partitions (what a single-run backfill launches)."""
        tags = {RANGE_START_TAG: first, RANGE_END_TAG: last}
        return self.materialize(selection, tags=tags, raise_on_error=raise_on_error)

    def ingest(self, artist_name: str, files: Sequence[Path]) -> list[str]:
        """Upload the sets, tick the upload sensor and parse the new sets in one run; their partition keys."""
        self.upload(artist_name, files)
        keys = self.keys_of(self.tick())
        self.materialize_range(INGEST, keys[0], keys[-1])
        return keys

    def refresh(self, slug: str, *, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
        """One profile refresh run for an artist partition (what the sensor and schedule request)."""
        return self.materialize(PROFILE, slug, raise_on_error=raise_on_error)

    def profile(self, artist_name: str) -> profiles.StoredProfile | None:
        with connect(self.database_url) as conn:
            artist = get_artist(conn, name=artist_name)
            assert artist is not None
            return profiles.get_profile(conn, artist.id)

    def add_sets(self, artist_name: str, files: Sequence[Path]) -> list[TrainingItem]:
        """Parse real sets and store them as the summary table handler does (summaries, then their training
        items), without an ingest run; the sets' training items."""
        artist = self.artist(artist_name)
        rows = []
        for path in files:
            summary = parse_als(
                path, artist_name=artist_name, project_name=path.parent.name.removesuffix(" Project")
            )
            rows.append(
                summaries.SummaryRow.of(
                    artist.id,
                    summary,
                    export_path="",
                    source_path=layout.upload_path(artist.slug, summary.project_name, summary.als_filename),
                )
            )
        with connect(self.database_url) as conn:
            items = training_items.ensure_items_for_summaries(conn, summaries.upsert_summaries(conn, rows))
            conn.commit()
        return items

    def item(self, item_id: UUID) -> TrainingItem:
        with connect(self.database_url) as conn:
            return training_items.get_item(conn, item_id)

    def put_audio(self, item: TrainingItem, data: bytes) -> str:
        """Store an item's training audio where the artist's front end uploads it; its storage path."""
        with connect(self.database_url) as conn:
            artist = get_artist(conn, id=item.artist_id)
        assert artist is not None
        path = layout.training_audio_path(artist.slug, item.id)
        self.storage.put(path, data, "audio/mpeg")
        return path

    def dataset_zips(self, slug: str) -> list[str]:
        return [o.path for o in self.storage.list(f"artists/{slug}/datasets/")]
