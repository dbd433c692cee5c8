"""A dataset build killed with SIGKILL at each of its steps, and two builds of one artist in two processes at
once. Whatever the point, after the next run: every item is exported and in exactly one stored zip, no
pending build is left, nothing half written lies in storage and no scratch folder in the temp directory.
Real child processes, the embedded Postgres, a storage folder and real Dagster runs."""

from __future__ import annotations

import signal
import time
import zipfile
from pathlib import Path

import psycopg
import pytest
from fault_checks import leftovers, wait_for_dead_sessions
from killed_run import DATASET_STEPS, RunSpec, finish_child, run_child, start_child
from pipeline_env import PipelineEnv

from dawa_pipeline.db import dataset_builds
from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.training_items import TrainingItem
from dawa_pipeline.defs.training import datasets as training
from dawa_pipeline.defs.training.sensors import training_audio_sensor
from dawa_pipeline.demo.audio import synth_demo_audio

ARTIST = "Nightshift Atlas"
SLUG = "nightshift-atlas"


def _ready_items(env: PipelineEnv, files: list[Path]) -> list[TrainingItem]:
    items = [env.add_sets(ARTIST, [f])[0] for f in files]
    for n, item in enumerate(items):
        env.put_audio(item, synth_demo_audio(f"fault-{n}", seconds=6.0, bpm=120 + n))
    env.tick(training_audio_sensor)
    env.materialize(["training_prompts"], SLUG)
    assert {env.item(i.id).status for i in items} == {"ready"}
    return items


def _dataset_run(env: PipelineEnv, **options: object) -> RunSpec:
    return RunSpec(
        database_url=env.database_url,
        storage_root=str(env.storage_root),
        asset="training_dataset",
        partitions=[SLUG],
        partitions_def="artists",
        **options,  # type: ignore[arg-type]
    )


def _items_in(env: PipelineEnv, zip_path: str) -> list[str]:
    """The ids of the items whose audio the zip holds (a lone item is in both splits)."""
    with zipfile.ZipFile(env.storage_root / zip_path) as archive:
        names = archive.namelist()
    return sorted({n.rsplit("/", 1)[1].removesuffix(".mp3") for n in names if n.endswith(".mp3")})


def _assert_exported_exactly_once(env: PipelineEnv, items: list[TrainingItem], temp_dir: Path) -> str:
    (zip_path,) = env.dataset_zips(SLUG)
    assert _items_in(env, zip_path) == sorted(str(i.id) for i in items)
    assert {env.item(i.id).status for i in items} == {"exported"}
    with connect(env.database_url) as conn:
        assert dataset_builds.pending_build(conn, items[0].artist_id) is None
    assert leftovers(env.storage_root, temp_dir) == []
    return zip_path


@pytest.mark.parametrize("step", DATASET_STEPS)
def test_a_build_killed_at_any_step_is_completed_once_by_the_next_run(pipeline, demo_sets, temp_dir, step):
    items = _ready_items(pipeline, demo_sets[ARTIST][:2])

    returncode, _ = run_child(_dataset_run(pipeline, stop_at=step), temp_dir)

    assert returncode == -signal.SIGKILL, f"the run never reached {step}"
    if step == "zip-stored":  # the window of issue 13: a whole zip stored, its items still ready
        assert len(pipeline.dataset_zips(SLUG)) == 1
        assert {pipeline.item(i.id).status for i in items} == {"ready"}
    if step != "items-exported":
        assert leftovers(pipeline.storage_root, temp_dir) != []  # the kill did leave something to clean
    wait_for_dead_sessions(pipeline.database_url)

    result = pipeline.materialize(["training_dataset"], SLUG)

    zip_path = _assert_exported_exactly_once(pipeline, items, temp_dir)
    assert all(check.passed for check in result.get_asset_check_evaluations())
    materializations = result.asset_materializations_for_node("training_dataset")
    if step == "items-exported":
        assert materializations == []  # the killed run had finished the work
    else:
        (materialization,) = materializations
        assert materialization.metadata["zip_path"].value == zip_path
        assert ("adopted_zip" in materialization.metadata) == (step == "zip-stored")

    # And the run after that has nothing left to do.
    again = pipeline.materialize(["training_dataset"], SLUG)
    assert again.asset_materializations_for_node("training_dataset") == []
    assert pipeline.dataset_zips(SLUG) == [zip_path]


def test_a_stored_zip_whose_items_changed_since_is_replaced_not_adopted(pipeline, demo_sets, temp_dir):
    """A prompt edited in the web app after the kill: the stored zip holds the old caption, so the next run
    deletes it and builds the items again with the new one."""
    items = _ready_items(pipeline, demo_sets[ARTIST][:2])
    returncode, _ = run_child(_dataset_run(pipeline, stop_at="zip-stored"), temp_dir)
    assert returncode == -signal.SIGKILL
    assert len(pipeline.dataset_zips(SLUG)) == 1
    edited = "A slow, dusty groove of warm Rhodes chords and brushed drums."
    with connect(pipeline.database_url) as conn:
        conn.execute("UPDATE training_items SET prompt_text = %s WHERE id = %s", (edited, items[0].id))
        conn.commit()
    wait_for_dead_sessions(pipeline.database_url)

    pipeline.materialize(["training_dataset"], SLUG)

    zip_path = _assert_exported_exactly_once(pipeline, items, temp_dir)
    with zipfile.ZipFile(pipeline.storage_root / zip_path) as archive:
        assert any(
            edited in archive.read(n).decode() for n in archive.namelist() if n.endswith("metadata.jsonl")
        )


def test_two_processes_building_one_artist_make_one_zip(pipeline, demo_sets, temp_dir, tmp_path):
    """The second build starts while the first, in another process, holds a built zip: it fails at once,
    naming the artist and changing nothing, and the first finishes."""
    items = _ready_items(pipeline, demo_sets[ARTIST][:2])
    pause = tmp_path / "pause"
    pause.mkdir()
    first = start_child(_dataset_run(pipeline, stop_at="zip-built", pause_in=str(pause)), temp_dir)
    try:
        deadline = time.monotonic() + 60
        while not (pause / "paused").exists():
            assert first.poll() is None and time.monotonic() < deadline, "the first build never paused"
            time.sleep(0.05)

        returncode, second = run_child(_dataset_run(pipeline), temp_dir)
        assert pipeline.dataset_zips(SLUG) == []
    finally:
        (pause / "go").touch()
    first_code, first_report = finish_child(first)

    assert (returncode, second["success"]) == (0, False)
    (failure,) = second["failures"]
    assert "another training_dataset run" in failure and SLUG in failure
    assert (first_code, first_report["success"]) == (0, True)
    zip_path = _assert_exported_exactly_once(pipeline, items, temp_dir)
    assert pipeline.materialize(["training_dataset"], SLUG).success
    assert pipeline.dataset_zips(SLUG) == [zip_path]


def test_items_changed_during_a_build_export_nothing_and_the_next_run_builds_them(
    pipeline, demo_sets, temp_dir, monkeypatch
):
    """A prompt edited while the zip is written: the zip holds the old caption, so it is removed, no item is
    exported and the run says why; the next run builds them with the new caption."""
    items = _ready_items(pipeline, demo_sets[ARTIST][:2])
    write_dataset_zip = training.write_dataset_zip

    def edit_while_writing(*args, **kwargs):
        with connect(pipeline.database_url) as conn:
            conn.execute("UPDATE training_items SET prompt_text = 'Edited.' WHERE id = %s", (items[0].id,))
            conn.commit()
        monkeypatch.setattr(training, "write_dataset_zip", write_dataset_zip)
        return write_dataset_zip(*args, **kwargs)

    monkeypatch.setattr(training, "write_dataset_zip", edit_while_writing)
    failed = pipeline.materialize(["training_dataset"], SLUG, raise_on_error=False)

    (failure,) = failed.get_step_failure_events()
    assert "changed while their dataset was built" in failure.event_specific_data.error.message
    assert pipeline.dataset_zips(SLUG) == []
    assert {pipeline.item(i.id).status for i in items} == {"ready"}
    pipeline.materialize(["training_dataset"], SLUG)
    _assert_exported_exactly_once(pipeline, items, temp_dir)


def test_pending_builds_are_out_of_reach_of_the_supabase_api_roles(db, acting_as):
    assert db.execute(
        "SELECT relrowsecurity FROM pg_class WHERE oid = 'dawa_private.pending_dataset_builds'::regclass"
    ).fetchone() == (True,)
    for role in ("anon", "authenticated"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(db, None, role=role):
            db.execute("SELECT * FROM dawa_private.pending_dataset_builds")


def test_the_run_adopting_a_stored_zip_also_builds_items_readied_since(
    pipeline, demo_sets, temp_dir, monkeypatch
):
    """Items that became ready after the crash go into a zip of their own, in the same run: each item in
    exactly one zip, and the run reports the zip it built and the one it adopted."""
    first = _ready_items(pipeline, demo_sets[ARTIST][:2])

    def crash(*_):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(dataset_builds, "finish_build", crash)
    assert not pipeline.materialize(["training_dataset"], SLUG, raise_on_error=False).success
    monkeypatch.undo()
    (adopted,) = pipeline.dataset_zips(SLUG)
    later = _ready_items(pipeline, demo_sets[ARTIST][2:3])

    result = pipeline.materialize(["training_dataset"], SLUG)

    zips = pipeline.dataset_zips(SLUG)
    assert len(zips) == 2 and adopted in zips
    (built,) = set(zips) - {adopted}
    assert _items_in(pipeline, adopted) == sorted(str(i.id) for i in first)
    assert _items_in(pipeline, built) == sorted(str(i.id) for i in later)
    assert {pipeline.item(i.id).status for i in [*first, *later]} == {"exported"}
    (materialization,) = result.asset_materializations_for_node("training_dataset")
    assert materialization.metadata["zip_path"].value == built
    assert materialization.metadata["adopted_zip"].value == adopted
    assert leftovers(pipeline.storage_root, temp_dir) == []
