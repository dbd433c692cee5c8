"""An export of a range of sets SIGKILLed while writing a summary.json: the next run of the range stores every
set's files whole and leaves no unfinished write behind. Real child process, Postgres, storage folder and
Dagster runs."""

from __future__ import annotations

import json
import shutil
import signal

import dagster as dg
from fault_checks import leftovers
from killed_run import EXPORT_STEP, RunSpec, run_child

from dawa_pipeline.storage import layout

ARTIST = "Nightshift Atlas"
SLUG = "nightshift-atlas"
EXPORT = dg.AssetSelection.assets("als_summary_export")


def test_an_export_killed_mid_write_leaves_nothing_half_written_after_the_next_run(
    pipeline, demo_sets, temp_dir
):
    keys = pipeline.ingest(ARTIST, demo_sets[ARTIST][:2])
    exports = pipeline.storage_root / layout.artist_prefix(SLUG) / layout.DAW_DATA
    shutil.rmtree(exports)  # so the killed run's files and the next run's are the only ones
    spec = RunSpec(
        database_url=pipeline.database_url,
        storage_root=str(pipeline.storage_root),
        asset="als_summary_export",
        partitions=[keys[0], keys[-1]],
        partitions_def="als_sets",
        stop_at=EXPORT_STEP,
    )

    returncode, _ = run_child(spec, temp_dir)

    assert returncode == -signal.SIGKILL
    assert list(exports.rglob(layout.SUMMARY_JSON)) == []
    assert leftovers(pipeline.storage_root, temp_dir) != []  # the half-written summary.json

    assert pipeline.materialize_range(EXPORT, keys[0], keys[-1]).success

    stored = sorted(exports.rglob(layout.SUMMARY_JSON))
    assert len(stored) == len(keys)
    for path in stored:
        assert json.loads(path.read_bytes())["provenance"]["asset"] == "als_summary_export"
        assert (path.parent / layout.TIMELINE_PNG).is_file()
    assert leftovers(pipeline.storage_root, temp_dir) == []
