"""A bulk parse run SIGKILLed midway (while its workers parse, or once its rows are committed but not yet
reported), and two runs of the same batch in two processes at once. Afterwards: one row and one export per
set, no hung parse worker, no leftovers, and the next run completes. Real child processes, Postgres, storage
folder, parse workers and Dagster runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from conftest import BULK_SETS
from fault_checks import leftovers, parse_workers_of, wait_for_dead_sessions, wait_for_no_parse_workers
from killed_run import PARSE_STEPS, RunSpec, finish_child, run_child, start_child
from pipeline_env import PipelineEnv

from dawa_pipeline.db.connection import connect
from dawa_pipeline.defs.ingest.assets import PARSE_WORKERS
from dawa_pipeline.demo.hostile_sets import note_flood
from dawa_pipeline.storage import layout

ARTIST = "Nightshift Atlas"
SLUG = "nightshift-atlas"
DAGSTER = str(Path(sys.executable).with_name("dagster"))


def _parse_run(env: PipelineEnv, keys: list[str], **options: object) -> RunSpec:
    return RunSpec(
        database_url=env.database_url,
        storage_root=str(env.storage_root),
        asset="als_summary",
        more_assets=["als_summary_export"],
        partitions=[keys[0], keys[-1]],
        partitions_def="als_sets",
        known_partitions=keys,
        **options,  # type: ignore[arg-type]
    )


def _stored(env: PipelineEnv) -> list[tuple[str, int, int]]:
    """(file name, summary rows, training items) per stored set."""
    with connect(env.database_url) as conn:
        return conn.execute(
            "SELECT s.als_filename, count(DISTINCT s.id), count(t.id) FROM als_summaries s "
            "LEFT JOIN training_items t ON t.als_summary_id = s.id GROUP BY s.als_filename ORDER BY 1"
        ).fetchall()


def _exports(env: PipelineEnv) -> list[Path]:
    return sorted((env.storage_root / layout.artist_prefix(SLUG)).rglob(layout.SUMMARY_JSON))


def _assert_each_set_once(env: PipelineEnv, bulk_sets: list[Path], temp_dir: Path) -> None:
    assert _stored(env) == [(p.name, 1, 1) for p in sorted(bulk_sets, key=lambda p: p.name)]
    assert len(_exports(env)) == BULK_SETS
    assert leftovers(env.storage_root, temp_dir) == []


@pytest.mark.parametrize("stop_at", PARSE_STEPS)
def test_a_bulk_parse_run_killed_midway_is_completed_once_by_the_next_run(
    pipeline, bulk_sets, temp_dir, stop_at
):
    pipeline.upload(ARTIST, bulk_sets)
    tick = pipeline.tick()
    keys = pipeline.keys_of(tick)

    returncode, _ = run_child(_parse_run(pipeline, keys, stop_at=stop_at), temp_dir)

    assert returncode == -signal.SIGKILL
    wait_for_no_parse_workers(temp_dir)
    wait_for_dead_sessions(pipeline.database_url)
    if stop_at == "parse-midway":
        assert _stored(pipeline) == []  # all of a batch's rows are written in one transaction, after parsing
    else:
        assert len(_stored(pipeline)) == BULK_SETS
    assert _exports(pipeline) == []

    (run,) = pipeline.run_requested(tick)

    assert run.success
    _assert_each_set_once(pipeline, bulk_sets, temp_dir)


def test_two_runs_of_the_same_batch_at_once_store_each_set_once(pipeline, bulk_sets, temp_dir, tmp_path):
    pipeline.upload(ARTIST, bulk_sets)
    keys = pipeline.keys_of(pipeline.tick())
    pauses = [tmp_path / "first", tmp_path / "second"]
    children = []
    for folder in pauses:
        folder.mkdir()
        spec = _parse_run(pipeline, keys, stop_at="parse-midway", pause_in=str(folder))
        children.append(start_child(spec, temp_dir))
    deadline = time.monotonic() + 120
    while not all((f / "paused").exists() for f in pauses):  # both runs are in their parse step
        assert time.monotonic() < deadline and all(c.poll() is None for c in children)
        time.sleep(0.05)
    assert len(parse_workers_of(temp_dir)) == 2 * PARSE_WORKERS
    for folder in pauses:
        (folder / "go").touch()

    reports = [finish_child(child) for child in children]

    assert reports == [(0, {"success": True, "failures": []})] * 2
    _assert_each_set_once(pipeline, bulk_sets, temp_dir)
    wait_for_no_parse_workers(temp_dir, timeout=5)


def test_killing_dagster_asset_materialize_mid_parse_leaves_no_process_behind(pipeline, temp_dir, tmp_path):
    """The CLI run (in-process executor: steps in the run's process) SIGKILLed while a worker parses a set
    that takes seconds: its parse workers end by themselves."""
    slow = tmp_path / "Slow Project" / "Slow.als"
    slow.parent.mkdir()
    slow.write_bytes(note_flood(100_000_000))
    pipeline.upload(ARTIST, [slow])
    (key,) = pipeline.keys_of(pipeline.tick())
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        instance.add_dynamic_partitions("als_sets", [key])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DAWA_", "DAGSTER_"))},
        "DAGSTER_HOME": str(dagster_home),
        "DAWA_HOME": str(pipeline.storage_root.parent),  # storage: DAWA_HOME/storage, the test's folder
        "DAWA_DATABASE_URL": pipeline.database_url,
        "TMPDIR": str(temp_dir),
    }
    run = subprocess.Popen(
        [
            DAGSTER,
            "asset",
            "materialize",
            "-m",
            "dawa_pipeline.definitions",
            "--select",
            "als_summary",
            "--partition",
            key,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (workers := [w for w in parse_workers_of(temp_dir) if w.cpu_times().user > 0.5]):
            assert time.monotonic() < deadline and run.poll() is None, "the run never parsed"
            time.sleep(0.1)
        assert workers[0].ppid() == run.pid  # no step process between the run and its workers
        run.send_signal(signal.SIGKILL)
        assert run.wait(timeout=10) == -signal.SIGKILL
    finally:
        run.kill()

    wait_for_no_parse_workers(temp_dir)
    wait_for_dead_sessions(pipeline.database_url)
    assert _stored(pipeline) == []
