"""The DAWA code location: assets, checks, sensors, schedules and resources, from the environment."""

import dagster as dg

from dawa_pipeline.assets.ingest import als_summary, als_summary_export, als_upload
from dawa_pipeline.assets.profile import profile_assets, profile_checks
from dawa_pipeline.assets.training import (
    PromptWriterResource,
    training_checks,
    training_dataset,
    training_prompts,
)
from dawa_pipeline.automation import artist_refresh_sensor, nightly_profile_refresh
from dawa_pipeline.checks import ingest_checks
from dawa_pipeline.io_managers import PostgresIOManager, StorageIOManager
from dawa_pipeline.resources import DatabaseResource, StorageResource
from dawa_pipeline.sensors import als_upload_sensor
from dawa_pipeline.training_sensors import training_audio_sensor


def build_resources(database: DatabaseResource | None = None, storage: StorageResource | None = None) -> dict:
    """The resources every asset, check and sensor uses; tests pass their own database and storage."""
    database = database or DatabaseResource()
    storage = storage or StorageResource()
    return {
        "database": database,
        "storage": storage,
        "postgres_io_manager": PostgresIOManager(database=database),
        "storage_io_manager": StorageIOManager(storage=storage),
        "prompt_writer": PromptWriterResource(),
    }


ASSETS = [als_upload, als_summary, als_summary_export, *profile_assets, training_prompts, training_dataset]
CHECKS = [*ingest_checks, *profile_checks, *training_checks]
SENSORS = [als_upload_sensor, artist_refresh_sensor, training_audio_sensor]
SCHEDULES = [nightly_profile_refresh]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    sensors=SENSORS,
    schedules=SCHEDULES,
    resources=build_resources(),
)
