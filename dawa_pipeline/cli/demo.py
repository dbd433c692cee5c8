"""`dawa demo`: generate two demo artists' sets, upload them and run the asset chain on DAWA_HOME's instance,
the same Postgres, storage and Dagster instance `make dev` shows."""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the whole pipeline on generated demo sets of two artists"
    )
    parser.set_defaults(func=run)


def _section(title: str) -> None:
    print(f"\n== {title}")


def run(args: argparse.Namespace) -> int:
    import dagster as dg

    # The demo's user cannot act on Dagster's notices about beta parameters the pipeline uses.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)

    from dawa_pipeline.db.connection import database_url
    from dawa_pipeline.db.dagster_instance import dagster_storage_url, write_dagster_home
    from dawa_pipeline.demo.sets import write_demo_sets
    from dawa_pipeline.settings import load_settings
    from dawa_pipeline.storage import storage_from_settings

    settings = load_settings()
    _section(f"DAWA_HOME {settings.home}")
    url = database_url(settings)
    print(f"database: {url}")
    write_dagster_home(settings.dagster_home, dagster_storage_url(settings))
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    backend = storage_from_settings(settings)
    print(
        f"storage:  {settings.storage_dir if settings.storage == 'local' else 'supabase bucket dawa-exports'}"
    )
    print(f"dagster:  {settings.dagster_home}")

    sets = write_demo_sets(settings.home / "demo" / "sets")
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        _ingest(instance, url, backend, sets)
    _section("next: `make dev` opens the Dagster UI on this state (http://127.0.0.1:3000)")
    return 0


def _ingest(instance: Any, url: str, backend: Any, sets: dict[str, list[Path]]) -> None:

    from dawa_pipeline.assets.ingest import als_summary, als_summary_export, als_upload
    from dawa_pipeline.checks import ingest_checks
    from dawa_pipeline.db.artists import ensure_artist
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.db.summaries import latest_for_artist
    from dawa_pipeline.definitions import build_resources
    from dawa_pipeline.inprocess import already_ran, evaluate_sensor, execute_run_request
    from dawa_pipeline.sensors import als_upload_sensor
    from dawa_pipeline.uploads import upload_sets

    _section("uploading demo sets")
    with connect(url) as conn:
        artists = {name: ensure_artist(conn, name) for name in sets}
        conn.commit()
    for name, files in sets.items():
        outcomes = [r.outcome.name.lower() for r in upload_sets(backend, artists[name].slug, files)]
        print(f"{name}: {len(files)} sets ({', '.join(sorted(set(outcomes)))})")

    _section("als_upload_sensor → als_summary → als_summary_export (one run per set)")
    resources = build_resources()
    assets = [als_upload, als_summary, als_summary_export, *ingest_checks]
    cursor = None
    while (result := evaluate_sensor(instance, als_upload_sensor, resources, cursor)).run_requests:
        cursor = result.cursor
        for request in result.run_requests:
            if already_ran(instance, request, als_upload_sensor.name):
                print(f"  {request.partition_key}: unchanged since its last run")
                continue
            run = execute_run_request(instance, request, assets, resources, als_upload_sensor.name)
            print(f"  {request.partition_key}: {'ok' if run.success else 'FAILED'} (run {run.run_id[:8]})")

    with connect(url) as conn:
        for name, artist in artists.items():
            rows = latest_for_artist(conn, artist.id)
            print(f"{name}: {len(rows)} summaries in als_summaries")
            for row in rows:
                print(f"  {row.project_name}/{row.als_filename} -> {row.export_path}")
