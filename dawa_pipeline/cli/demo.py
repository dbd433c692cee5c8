"""`dawa demo`: generate two demo artists' sets, upload them and run the whole asset chain on DAWA_HOME's
Postgres, storage and Dagster instance (the state `make dev` shows), doing what the daemon would do."""

from __future__ import annotations

import argparse
import json
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
    """The demo's state: settings, database, storage and Dagster instance, and the sync that drives it."""

    def __init__(self, instance: Any) -> None:
        from dawa_pipeline.db.connection import database_url
        from dawa_pipeline.settings import load_settings
        from dawa_pipeline.storage import storage_from_settings

        self.settings = load_settings()
        self.url = database_url(self.settings)
        self.backend = storage_from_settings(self.settings)
        self.instance = instance
        self.cursors: dict[str, str | None] = {}

    def sync(self) -> None:
        """What the daemon would do now (`dawa sync`), one line per run."""
        from dawa_pipeline.cli.sync import sync

        if not sync(self.instance, self.cursors):
            print("nothing to do: every upload and audio file is unchanged since its last run")

    def materialize(self, asset_keys: Sequence[str], partition_key: str) -> bool:
        import dagster as dg

        from dawa_pipeline.cli.inprocess import QUIET
        from dawa_pipeline.definitions import defs
        from dawa_pipeline.defs.resources import build_resources

        location = defs()
        run = dg.materialize(
            [*location.assets, *location.asset_checks],
            instance=self.instance,
            resources=build_resources(),
            partition_key=partition_key,
            selection=dg.AssetSelection.assets(*asset_keys),
            run_config=QUIET,
            raise_on_error=False,
        )
        return run.success


def run(args: argparse.Namespace) -> int:
    import dagster as dg

    from dawa_pipeline.cli.dagster_env import prepared_dagster_home
    from dawa_pipeline.demo.sets import write_demo_sets

    # The demo's user cannot act on Dagster's notices about beta parameters the pipeline uses.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    with dg.DagsterInstance.from_config(str(prepared_dagster_home())) as instance:
        demo = _Demo(instance)
        settings = demo.settings
        _section(f"DAWA_HOME {settings.home}")
        print(f"database: {demo.url}")
        print(f"storage:  {demo.backend.describe('artists')}")
        print(f"dagster:  {settings.dagster_home}")
        sets = write_demo_sets(settings.home / "demo" / "sets")
        artists = _upload(demo, sets)
        _section("dawa sync: upload sensor → als_summary + als_summary_export → profile refresh")
        demo.sync()
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
    from dawa_pipeline.storage import layout
    from dawa_pipeline.storage.layout import SUMMARY_JSON

    _section("summaries: als_summaries rows and their exports")
    with connect(demo.url) as conn:
        for name, artist in artists.items():
            rows = latest_for_artist(conn, artist.id)
            print(f"{name}: {len(rows)} rows in als_summaries; exports:")
            for row in rows:
                print(f"  {demo.backend.describe(layout.file_in(row.export_path or '', SUMMARY_JSON))}")


def _profiles(demo: _Demo, artists: dict[str, Any]) -> None:
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.db.profiles import get_profile
    from dawa_pipeline.storage import layout

    _section("profiles: daw_fingerprint → fingerprint_chart → artist_master_schema")
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
    from dawa_pipeline.demo.audio import synth_demo_audio
    from dawa_pipeline.storage import layout

    _section(f"demo audio ({DEMO_AUDIO_SECONDS:.0f} s per set, synthesised) for the training items")
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
    _section("dawa sync: training_audio_sensor → training_prompts (offline writer unless OPENAI_API_KEY)")
    demo.sync()
    _section("training_dataset")
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
