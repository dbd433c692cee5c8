"""Training items through real runs: needs_audio -> needs_prompt -> ready -> exported on the embedded
Postgres, a storage folder and synthesised MP3s, and every failure path ending in `failed` with its reason."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from psycopg.types.json import Jsonb
from training_runs import MOCK_MODEL, ScriptedOpenAIWriter, TrainingEnv, encoded

from dawa_pipeline import training_sensors
from dawa_pipeline.assets.training import NO_SET_REASON, caption_path
from dawa_pipeline.db import training_items
from dawa_pipeline.db.connection import connect
from dawa_pipeline.demo.audio import synth_demo_audio
from dawa_pipeline.storage import layout
from dawa_pipeline.training.captions import SYSTEM_PROMPT_VERSION, Caption
from dawa_pipeline.training.dataset import check_dataset_zip

SLUG = "nightshift-atlas"
ARTIST_NAME = "Nightshift Atlas"


def _ready_items(env: TrainingEnv, files, seconds: float = 6.0):
    """Items for `files`, each with good audio, checked by the sensor and captioned offline."""
    items = [env.add_sets([f])[0] for f in files]
    for n, item in enumerate(items):
        env.put_audio(item, synth_demo_audio(f"set-{n}", seconds=seconds, bpm=120 + n))
    env.tick()
    env.materialize("training_prompts")
    return [env.item(i.id) for i in items]


def test_an_item_goes_from_needs_audio_to_exported(training_env, demo_sets):
    files = demo_sets["Nightshift Atlas"][:2]
    items = [training_env.add_sets([f])[0] for f in files]
    assert [i.status for i in items] == ["needs_audio", "needs_audio"]
    assert training_env.tick().skip_reason is not None  # nothing uploaded yet

    paths = [training_env.put_audio(item, synth_demo_audio(str(item.id), seconds=6.0)) for item in items]
    tick = training_env.tick()
    (request,) = tick.run_requests
    assert request.partition_key == SLUG
    for item, path in zip(items, paths, strict=True):
        queued = training_env.item(item.id)
        assert queued.status == "needs_prompt"
        assert queued.audio_path == path
        assert queued.audio_duration_seconds == pytest.approx(6.0, abs=0.05)
        assert queued.audio_sample_rate == 32_000

    result = training_env.materialize("training_prompts")
    (materialization,) = result.asset_materializations_for_node("training_prompts")
    assert materialization.metadata["ready"].value == 2
    assert materialization.metadata["failed"].value == 0
    stamp = materialization.metadata["dawa/provenance"].data
    assert stamp["model_name"] == "dawa-offline-v1"
    assert stamp["system_prompt_version"] == SYSTEM_PROMPT_VERSION
    for item in items:
        ready = training_env.item(item.id)
        assert ready.status == "ready"
        assert ready.model_name == "dawa-offline-v1"
        assert ready.system_prompt_version == SYSTEM_PROMPT_VERSION
        assert ready.generated_at is not None
        assert ready.prompt_path == layout.prompt_path(SLUG, item.id)
        assert training_env.storage.get(ready.prompt_path).decode() == ready.prompt_text
        caption = Caption.model_validate_json(training_env.storage.get(caption_path(SLUG, item.id)))
        assert caption.text == ready.prompt_text
        assert "nightshift" not in ready.prompt_text.lower()
    assert materialization.metadata["sample_caption"].value in {
        training_env.item(i.id).prompt_text for i in items
    }

    result = training_env.materialize("training_dataset")
    (zip_path,) = training_env.dataset_zips()
    assert zip_path.startswith(f"artists/{SLUG}/datasets/dataset-") and zip_path.endswith(".zip")
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "dataset_zip_valid" and check.passed
    local = training_env.storage_root / zip_path
    assert check_dataset_zip(local, forbidden_names=["Nightshift Atlas"]) == []
    with zipfile.ZipFile(local) as archive:
        names = archive.namelist()
        provenance = json.loads(archive.read("provenance.json"))
    for item in items:
        assert any(name.endswith(f"/{item.id}.mp3") for name in names)
    pipeline = provenance["pipeline"]
    assert pipeline["run_id"] == result.run_id
    assert {i["id"] for i in pipeline["inputs"]["training_items"]} == {str(i.id) for i in items}
    assert {i["item_id"] for i in provenance["items"]} == {str(i.id) for i in items}
    assert [training_env.item(i.id).status for i in items] == ["exported", "exported"]


@pytest.mark.parametrize(
    ("audio", "reason"),
    [
        (b"this is not audio at all", "cannot decode audio"),
        (synth_demo_audio("short", seconds=2.0), "at least 5 s needed"),
        (encoded(np.zeros(32_000 * 6, dtype=np.float32)), "silent"),
    ],
    ids=["undecodable", "too-short", "silent"],
)
def test_unusable_audio_fails_its_item_with_the_reason(training_env, demo_sets, audio, reason):
    (item,) = training_env.add_sets(demo_sets["Nightshift Atlas"][:1])
    path = training_env.put_audio(item, audio)

    tick = training_env.tick()

    assert tick.run_requests == []
    failed = training_env.item(item.id)
    assert failed.status == "failed"
    assert reason in failed.failure_reason and path in failed.failure_reason
    assert failed.audio_duration_seconds is None

    # A fixed re-render uploaded over it puts the item back in the queue.
    training_env.put_audio(item, synth_demo_audio("fixed", seconds=6.0))
    assert len(training_env.tick().run_requests) == 1
    fixed = training_env.item(item.id)
    assert (fixed.status, fixed.failure_reason) == ("needs_prompt", None)


def test_sensor_works_through_a_backlog_a_bounded_batch_per_tick(training_env, demo_sets, monkeypatch):
    monkeypatch.setattr(training_sensors, "MAX_AUDIO_PER_TICK", 2)
    items = [training_env.add_sets([f])[0] for f in demo_sets["Nightshift Atlas"][:3]]
    for item in items:
        training_env.put_audio(item, synth_demo_audio(str(item.id), seconds=5.5))
    checked = []
    while training_env.tick().skip_reason is None:
        checked.append(sum(training_env.item(i.id).status == "needs_prompt" for i in items))
    assert checked == [2, 3]
    # A retried tick (same cursor as before the last batch) is harmless: the items stay queued.
    training_env.cursor = None
    training_env.tick()
    training_env.tick()
    assert {training_env.item(i.id).status for i in items} == {"needs_prompt"}


def test_writer_refusal_and_error_fail_only_their_items(training_env, demo_sets):
    items = [training_env.add_sets([f])[0] for f in demo_sets["Nightshift Atlas"][:3]]
    for item in items:
        training_env.put_audio(item, synth_demo_audio(str(item.id), seconds=5.5))
    training_env.tick()
    training_env.writer = ScriptedOpenAIWriter(replies=["refuse", "error", "ok"])

    result = training_env.materialize("training_prompts")

    refused, errored, written = (training_env.item(i.id) for i in items)
    assert refused.status == "failed"
    assert refused.failure_reason == "I can't help with describing this recording."
    assert errored.status == "failed"
    assert "API error 400" in errored.failure_reason and MOCK_MODEL in errored.failure_reason
    assert written.status == "ready" and written.model_name == MOCK_MODEL
    for failed in (refused, errored):
        assert failed.prompt_text is None
        assert not training_env.storage.exists(layout.prompt_path(SLUG, failed.id))
    (materialization,) = result.asset_materializations_for_node("training_prompts")
    assert (materialization.metadata["ready"].value, materialization.metadata["failed"].value) == (1, 2)
    assert materialization.metadata["dawa/provenance"].data["model_name"] == MOCK_MODEL


def test_an_item_without_a_set_fails_with_a_reason_saying_how_to_fix_it(training_env):
    artist = training_env.artist()
    with connect(training_env.database_url) as conn:
        item = training_items.create_item(conn, artist.id, parse_id="manual-0123")
        conn.commit()
    training_env.put_audio(item, synth_demo_audio("manual", seconds=5.5))
    training_env.tick()
    training_env.materialize("training_prompts")
    failed = training_env.item(item.id)
    assert (failed.status, failed.failure_reason) == ("failed", NO_SET_REASON)


def test_a_failing_build_stores_no_zip_and_changes_no_status(training_env, demo_sets):
    items = _ready_items(training_env, demo_sets["Nightshift Atlas"][:2])
    training_env.storage.delete([items[1].audio_path])

    result = training_env.materialize("training_dataset", raise_on_error=False)

    assert not result.success
    assert str(items[1].id) in str(result.get_step_failure_events()[0].event_specific_data.error)
    assert training_env.dataset_zips() == []
    assert [training_env.item(i.id).status for i in items] == ["ready", "ready"]


def test_items_are_exported_only_once_the_zip_is_stored(training_env, demo_sets):
    items = _ready_items(training_env, demo_sets["Nightshift Atlas"][:1])
    # The datasets "folder" is a file, so storing the zip fails after the zip was built.
    training_env.storage.put(f"artists/{SLUG}/datasets", b"in the way")

    result = training_env.materialize("training_dataset", raise_on_error=False)

    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert "handling output" in failure.event_specific_data.error.message  # built, then storing failed
    assert training_env.item(items[0].id).status == "ready"


def test_a_rerun_exports_only_new_items_unless_a_full_rebuild_is_asked(training_env, demo_sets):
    files = demo_sets["Nightshift Atlas"]
    (first,) = _ready_items(training_env, files[:1])
    training_env.materialize("training_dataset")

    nothing_new = training_env.materialize("training_dataset")
    assert nothing_new.asset_materializations_for_node("training_dataset") == []
    assert len(training_env.dataset_zips()) == 1

    (second,) = _ready_items(training_env, files[1:2])
    training_env.materialize("training_dataset")
    zips = training_env.dataset_zips()
    assert len(zips) == 2
    assert _item_ids_in(training_env, zips[-1]) == {str(second.id)}

    training_env.materialize(
        "training_dataset", run_config={"ops": {"training_dataset": {"config": {"full_rebuild": True}}}}
    )
    latest = training_env.dataset_zips()[-1]
    assert _item_ids_in(training_env, latest) == {str(first.id), str(second.id)}
    assert {training_env.item(i.id).status for i in (first, second)} == {"exported"}


def _item_ids_in(env: TrainingEnv, zip_path: str) -> set[str]:
    with zipfile.ZipFile(env.storage_root / zip_path) as archive:
        return {
            name.rsplit("/", 1)[1].removesuffix(".mp3")
            for name in archive.namelist()
            if name.endswith(".mp3")
        }


def test_captions_draw_on_the_artists_master_schema(training_env, demo_sets):
    (item,) = training_env.add_sets(demo_sets["Nightshift Atlas"][:1])
    schema = {"artist": {"name": ARTIST_NAME, "core_identities": {"energy_profile": ["hypnotic"]}}}
    with connect(training_env.database_url) as conn:
        conn.execute(
            "INSERT INTO artist_profiles (artist_id, name, master_schema) VALUES (%s, %s, %s)",
            (item.artist_id, ARTIST_NAME, Jsonb(schema)),
        )
        conn.commit()
    training_env.put_audio(item, synth_demo_audio("schema", seconds=5.5))
    training_env.tick()
    training_env.materialize("training_prompts")

    ready = training_env.item(item.id)
    caption = Caption.model_validate_json(training_env.storage.get(caption_path(SLUG, item.id)))
    assert "hypnotic" in caption.moods
    assert "hypnotic" in ready.prompt_text.lower()
