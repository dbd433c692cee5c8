"""The DAWA code location: assets, checks, sensors, schedules and resources, from the environment."""

from __future__ import annotations

import dagster as dg

from dawa_pipeline.assets.ingest import als_summary, als_summary_export, als_upload
from dawa_pipeline.checks import ingest_checks
from dawa_pipeline.io_managers import PostgresIOManager, StorageIOManager
from dawa_pipeline.resources import DatabaseResource, StorageResource
from dawa_pipeline.sensors import als_upload_sensor


def build_resources(database: DatabaseResource | None = None, storage: StorageResource | None = None) -> dict:
    """The resources every asset, check and sensor uses; tests pass their own database and storage."""
    database = database or DatabaseResource()
    storage = storage or StorageResource()
    return {
        "database": database,
        "storage": storage,
        "postgres_io_manager": PostgresIOManager(database=database),
        "storage_io_manager": StorageIOManager(storage=storage),
    }


ASSETS = [als_upload, als_summary, als_summary_export]
CHECKS = [*ingest_checks]
SENSORS = [als_upload_sensor]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    sensors=SENSORS,
    resources=build_resources(),
)
