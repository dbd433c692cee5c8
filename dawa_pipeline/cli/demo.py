"""`dawa demo`: generate two demo artists' sets, upload them and run the whole asset chain on DAWA_HOME's
Postgres, storage and Dagster instance (the state `make dev` shows), doing what the daemon would do."""

from __future__ import annotations

import argparse
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEMO_AUDIO_SECONDS = 12.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the whole pipeline on demo sets of two artists")
    parser.set_defaults(func=run)


def _section(title: str) -> None:
    print(f"\n== {title}", flush=True)


class _Demo:
    """The demo's state: settings, database, storage, Dagster instance and the code location's pieces."""

    def __init__(self, instance: Any) -> None:
        from dawa_pipeline.db.connection import database_url
        from dawa_pipeline.definitions import defs
        from dawa_pipeline.defs.resources import build_resources
        from dawa_pipeline.settings import load_settings
        from dawa_pipeline.storage import storage_from_settings

        self.settings = load_settings()
        self.url = database_url(self.settings)
        self.backend = storage_from_settings(self.settings)
        self.instance = instance
        self.resources = build_resources()
        location = defs()
        self.definitions = [*location.assets, *location.asset_checks]

    def run_sensor(self, sensor: Any) -> int:
        """Tick `sensor` until it has nothing left and run every request; returns how many ran."""
        from dawa_pipeline.cli.inprocess import already_ran, evaluate_sensor, execute_run_request

        cursor, runs = None, 0
        while (result := evaluate_sensor(self.instance, sensor, self.resources, cursor)).run_requests:
            cursor = result.cursor
            for request in result.run_requests:
                if already_ran(self.instance, request, sensor.name):
                    print(f"  {request.partition_key}: unchanged since its last run")
                    continue
                run = execute_run_request(self.instance, request, self.definitions, self.resources, sensor)
                runs += 1
                print(f"  {sensor.name} → {request.partition_key}: {'ok' if run.success else 'FAILED'}")
        return runs

    def materialize(self, asset_keys: Sequence[str], partition_key: str) -> bool:
        import dagster as dg

        run = dg.materialize(
            self.definitions,
            instance=self.instance,
            resources=self.resources,
            partition_key=partition_key,
            selection=dg.AssetSelection.assets(*asset_keys),
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            raise_on_error=False,
        )
        return run.success


def run(args: argparse.Namespace) -> int:
    import dagster as dg

    from dawa_pipeline.db.dagster_instance import dagster_storage_url, write_dagster_home
    from dawa_pipeline.demo.sets import write_demo_sets
    from dawa_pipeline.settings import load_settings

    # The demo's user cannot act on Dagster's notices about beta parameters the pipeline uses.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    settings = load_settings()
    write_dagster_home(settings.dagster_home, dagster_storage_url(settings))
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        demo = _Demo(instance)
        _section(f"DAWA_HOME {settings.home}")
        print(f"database: {demo.url}")
        print(f"storage:  {demo.backend.describe('artists')}")
        print(f"dagster:  {settings.dagster_home}")
        sets = write_demo_sets(settings.home / "demo" / "sets")
        artists = _upload(demo, sets)
        _ingest(demo, artists)
        _profiles(demo, artists)
        _training(demo, artists)
    _section("next: `make dev` opens the Dagster UI on this state (http://127.0.0.1:3000)")
    return 0


def _upload(demo: _Demo, sets: dict[str, list[Path]]) -> dict[str, Any]:
    from dawa_pipeline.db.artists import ensure_artist
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.storage.uploads import upload_sets

    _section("uploading demo sets (dawa upload)")
    with connect(demo.url) as conn:
        artists = {name: ensure_artist(conn, name) for name in sets}
        conn.commit()
    for name, files in sets.items():
        outcomes = [r.outcome.name.lower() for r in upload_sets(demo.backend, artists[name].slug, files)]
        print(f"{name}: {len(files)} sets ({', '.join(sorted(set(outcomes)))})")
    return artists


def _ingest(demo: _Demo, artists: dict[str, Any]) -> None:
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.db.summaries import latest_for_artist
    from dawa_pipeline.defs.ingest.sensors import als_upload_sensor
    from dawa_pipeline.storage import layout
    from dawa_pipeline.storage.layout import SUMMARY_JSON

    _section("als_upload_sensor → als_summary → als_summary_export (one run per set)")
    demo.run_sensor(als_upload_sensor)
    with connect(demo.url) as conn:
        for name, artist in artists.items():
            rows = latest_for_artist(conn, artist.id)
            print(f"{name}: {len(rows)} rows in als_summaries; exports:")
            for row in rows:
                print(f"  {demo.backend.describe(layout.file_in(row.export_path or '', SUMMARY_JSON))}")


def _profiles(demo: _Demo, artists: dict[str, Any]) -> None:
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.db.profiles import get_profile
    from dawa_pipeline.defs.profile.automation import artist_refresh_sensor
    from dawa_pipeline.storage import layout

    _section("artist_refresh_sensor → daw_fingerprint → fingerprint_chart → artist_master_schema")
    demo.run_sensor(artist_refresh_sensor)
    with connect(demo.url) as conn:
        for name, artist in artists.items():
            profile = get_profile(conn, artist.id)
            refreshed = profile.master_schema.get("provenance", {}).get("last_refreshed") if profile else None
            print(f"{name}: artist_profiles row refreshed at {refreshed}")
            print(f"  chart: {demo.backend.describe(layout.fingerprint_chart_path(artist.slug))}")
        name, artist = next(iter(artists.items()))
        profile = get_profile(conn, artist.id)
    aggregates = profile.master_schema["daw_fingerprint_aggregates"] if profile else {}
    print(f"\n{name}'s daw_fingerprint_aggregates:")
    print(json.dumps(aggregates, indent=2, ensure_ascii=False))


def _training(demo: _Demo, artists: dict[str, Any]) -> None:
    from dawa_pipeline.db import training_items
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.defs.training.checks import latest_dataset_path
    from dawa_pipeline.defs.training.sensors import training_audio_sensor
    from dawa_pipeline.demo.audio import synth_demo_audio
    from dawa_pipeline.storage import layout

    _section(f"demo audio ({DEMO_AUDIO_SECONDS:.0f} s per set, synthesised) → training_audio_sensor")
    with connect(demo.url) as conn:
        for name, artist in artists.items():
            waiting = training_items.items_with_status(conn, artist.id, "needs_audio")
            summaries = training_items.linked_summaries(conn, waiting)
            for item in waiting:
                summary = summaries.get(item.id) or {}
                tempo = float(summary.get("overview", {}).get("tempo", 120.0))
                key = (summary.get("key") or {}).get("name")
                audio = synth_demo_audio(str(item.id), DEMO_AUDIO_SECONDS, bpm=tempo, key=key)
                demo.backend.put(layout.training_audio_path(artist.slug, item.id), audio, "audio/mpeg")
            print(f"{name}: audio for {len(waiting)} training items")
    _section("training_prompts (offline writer unless OPENAI_API_KEY is set) → training_dataset")
    demo.run_sensor(training_audio_sensor)
    for name, artist in artists.items():
        ok = demo.materialize(["training_dataset"], artist.slug)
        print(f"{name}: training_dataset {'ok' if ok else 'FAILED'}")
    with connect(demo.url) as conn:
        for name, artist in artists.items():
            exported = training_items.items_with_status(conn, artist.id, ["exported", "ready"])
            zip_path = latest_dataset_path(demo.backend, artist.slug)
            print(f"\n{name}: dataset {demo.backend.describe(zip_path) if zip_path else '(none)'}")
            if exported:
                print(f"  caption ({exported[0].als_filename}): {exported[0].prompt_text}")
