"""A 14-set bulk run (one sensor tick, one run) holding one hostile set: the element-flood upload, or a set
whose parse runs out of the worker's memory. The run fails naming that file in one line; the 13 good sets are
stored, exported by the follow-up run and marked materialized. Real Postgres, storage folder, parse workers
and Dagster runs."""

from __future__ import annotations

import functools
from pathlib import Path

import dagster as dg
from conftest import BULK_SETS
from pipeline_env import ALL_ASSETS, PipelineEnv

from dawa_pipeline.als import ParseLimits
from dawa_pipeline.als.isolated import IsolatedParser
from dawa_pipeline.cli.inprocess import execute_run_request, failed_partitions
from dawa_pipeline.db.connection import connect
from dawa_pipeline.defs.ingest import assets as ingest
from dawa_pipeline.defs.ingest.sensors import export_requests
from dawa_pipeline.demo.hostile_sets import element_flood
from dawa_pipeline.storage import layout

ARTIST = "Nightshift Atlas"
SLUG = "nightshift-atlas"
HOSTILE = f"{SLUG}::Hostile::Hostile.als"


def _hostile_set(folder: Path, data: bytes) -> Path:
    path = folder / "Hostile Project" / "Hostile.als"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return path


def _bulk_run_with(pipeline: PipelineEnv, bulk_sets: list[Path], hostile: Path) -> str:
    """Upload the good sets and the hostile one, run the tick's single run, export the good sets as the
    automation sensor would; the run's failure message."""
    pipeline.upload(ARTIST, [*bulk_sets, hostile])
    tick = pipeline.tick()
    keys = pipeline.keys_of(tick)
    assert len(keys) == BULK_SETS + 1 and HOSTILE in keys
    (run,) = pipeline.run_requested(tick)
    assert not run.success
    assert set(failed_partitions(run)) == {HOSTILE}
    (failure,) = run.get_step_failure_events()
    assert failure.step_key == "als_summary"

    (request,) = export_requests(pipeline.instance, tick.run_requests[0], failed_partitions(run))
    assert execute_run_request(pipeline.instance, request, ALL_ASSETS, pipeline.resources, "test").success

    good = set(keys) - {HOSTILE}
    for asset in ("als_summary", "als_summary_export"):
        assert pipeline.instance.get_materialized_partitions(dg.AssetKey(asset)) == good
    with connect(pipeline.database_url) as conn:
        stored = conn.execute("SELECT als_filename FROM als_summaries").fetchall()
    assert sorted(name for (name,) in stored) == sorted(p.name for p in bulk_sets)
    exports = pipeline.storage_root / layout.artist_prefix(SLUG) / layout.DAW_DATA
    assert len(list(exports.rglob(layout.SUMMARY_JSON))) == BULK_SETS
    assert not (exports / "Hostile").exists()
    return failure.step_failure_data.user_failure_data.description


def test_the_element_flood_fails_alone_in_a_bulk_run(pipeline, bulk_sets, tmp_path):
    flood = _hostile_set(tmp_path, element_flood(100_000_000))

    message = _bulk_run_with(pipeline, bulk_sets, flood)

    assert message.startswith(f"{HOSTILE}: Hostile.als: more than ")
    assert "\n" not in message


def test_a_parse_out_of_memory_fails_alone_in_a_bulk_run(pipeline, bulk_sets, tmp_path, monkeypatch):
    # Workers of 300 MB and no element budget: a flood of 60 MB of elements then exhausts the worker.
    roomy = ParseLimits(max_elements=10**9, max_held_nodes=10**9)
    small = functools.partial(IsolatedParser, memory_mb=300, limits=roomy)
    monkeypatch.setattr(ingest, "IsolatedParser", small)
    flood = element_flood(60_000_000, b"<a/>", b"<LiveSet><Tracks><MidiTrack>")
    hostile = _hostile_set(tmp_path, flood)

    message = _bulk_run_with(pipeline, bulk_sets, hostile)

    assert message == f"{HOSTILE}: Hostile.als: parsing needs more than 300 MB of memory"
