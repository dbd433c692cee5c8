"""Training items through real runs: needs_audio -> needs_prompt -> ready -> exported on the embedded
Postgres, a storage folder and synthesised MP3s, and every failure path ending in `failed` with its reason."""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from audio_factory import encoded
from openai_transport import MODEL, ScriptedOpenAIWriter
from pipeline_env import PipelineEnv
from psycopg.types.json import Jsonb

from dawa_pipeline.db import training_items
from dawa_pipeline.db.connection import connect
from dawa_pipeline.defs.training import sensors as training_sensors
from dawa_pipeline.defs.training.assets import NO_SET_REASON
from dawa_pipeline.defs.training.items import caption_path
from dawa_pipeline.defs.training.resources import PromptWriterResource
from dawa_pipeline.defs.training.sensors import training_audio_sensor
from dawa_pipeline.demo.audio import synth_demo_audio
from dawa_pipeline.storage import layout
from dawa_pipeline.training.captions import SYSTEM_PROMPT_VERSION, Caption, CaptionContext
from dawa_pipeline.training.dataset_check import check_dataset_zip
from dawa_pipeline.training.offline_writer import OfflineWriter

SLUG = "nightshift-atlas"
ARTIST_NAME = "Nightshift Atlas"


def _ready_items(env: PipelineEnv, files, seconds: float = 6.0):
    """Items for `files`, each with good audio, checked by the sensor and captioned offline."""
    items = [env.add_sets(ARTIST_NAME, [f])[0] for f in files]
    for n, item in enumerate(items):
        env.put_audio(item, synth_demo_audio(f"set-{n}", seconds=seconds, bpm=120 + n))
    env.tick(training_audio_sensor)
    env.materialize(["training_prompts"], SLUG)
    return [env.item(i.id) for i in items]


def test_an_item_goes_from_needs_audio_to_exported(pipeline, demo_sets):
    files = demo_sets[ARTIST_NAME][:2]
    items = [pipeline.add_sets(ARTIST_NAME, [f])[0] for f in files]
    assert [i.status for i in items] == ["needs_audio", "needs_audio"]
    assert pipeline.tick(training_audio_sensor).skip_reason is not None  # nothing uploaded yet

    paths = [pipeline.put_audio(item, synth_demo_audio(str(item.id), seconds=6.0)) for item in items]
    tick = pipeline.tick(training_audio_sensor)
    (request,) = tick.run_requests
    assert request.partition_key == SLUG
    for item, path in zip(items, paths, strict=True):
        queued = pipeline.item(item.id)
        assert queued.status == "needs_prompt"
        assert queued.audio_path == path
        assert queued.audio_duration_seconds == pytest.approx(6.0, abs=0.05)
        assert queued.audio_sample_rate == 32_000

    result = pipeline.materialize(["training_prompts"], SLUG)
    (materialization,) = result.asset_materializations_for_node("training_prompts")
    assert materialization.metadata["ready"].value == 2
    assert materialization.metadata["failed"].value == 0
    stamp = materialization.metadata["dawa/provenance"].data
    assert stamp["model_name"] == "dawa-offline-v1"
    assert stamp["system_prompt_version"] == SYSTEM_PROMPT_VERSION
    for item in items:
        ready = pipeline.item(item.id)
        assert ready.status == "ready"
        assert ready.model_name == "dawa-offline-v1"
        assert ready.system_prompt_version == SYSTEM_PROMPT_VERSION
        assert ready.generated_at is not None
        assert ready.prompt_path == layout.prompt_path(SLUG, item.id)
        assert pipeline.storage.get(ready.prompt_path).decode() == ready.prompt_text
        caption = Caption.model_validate_json(pipeline.storage.get(caption_path(SLUG, item.id)))
        assert caption.text == ready.prompt_text
        assert "nightshift" not in ready.prompt_text.lower()
    assert materialization.metadata["sample_caption"].value in {
        pipeline.item(i.id).prompt_text for i in items
    }

    result = pipeline.materialize(["training_dataset"], SLUG)
    (zip_path,) = pipeline.dataset_zips(SLUG)
    assert zip_path.startswith(f"artists/{SLUG}/datasets/dataset-") and zip_path.endswith(".zip")
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "dataset_zip_valid" and check.passed
    local = pipeline.storage_root / zip_path
    assert check_dataset_zip(local, forbidden_names=["Nightshift Atlas"]) == []
    with zipfile.ZipFile(local) as archive:
        names = archive.namelist()
        provenance = json.loads(archive.read("provenance.json"))
    for item in items:
        assert any(name.endswith(f"/{item.id}.mp3") for name in names)
    run = provenance["pipeline"]
    assert run["run_id"] == result.run_id
    assert {i["id"] for i in run["inputs"]["training_items"]} == {str(i.id) for i in items}
    assert {i["item_id"] for i in provenance["items"]} == {str(i.id) for i in items}
    assert [pipeline.item(i.id).status for i in items] == ["exported", "exported"]


@pytest.mark.parametrize(
    ("audio", "reason"),
    [
        (b"this is not audio at all", "cannot decode audio"),
        (synth_demo_audio("short", seconds=2.0), "at least 5 s needed"),
        (encoded(np.zeros(32_000 * 6, dtype=np.float32)), "silent"),
    ],
    ids=["undecodable", "too-short", "silent"],
)
def test_unusable_audio_fails_its_item_with_the_reason(pipeline, demo_sets, audio, reason):
    (item,) = pipeline.add_sets(ARTIST_NAME, demo_sets[ARTIST_NAME][:1])
    path = pipeline.put_audio(item, audio)

    tick = pipeline.tick(training_audio_sensor)

    assert tick.run_requests == []
    failed = pipeline.item(item.id)
    assert failed.status == "failed"
    assert reason in failed.failure_reason and path in failed.failure_reason
    assert failed.audio_duration_seconds is None

    # A fixed re-render uploaded over it puts the item back in the queue.
    pipeline.put_audio(item, synth_demo_audio("fixed", seconds=6.0))
    assert len(pipeline.tick(training_audio_sensor).run_requests) == 1
    fixed = pipeline.item(item.id)
    assert (fixed.status, fixed.failure_reason) == ("needs_prompt", None)


def test_sensor_works_through_a_backlog_a_bounded_batch_per_tick(pipeline, demo_sets, monkeypatch):
    monkeypatch.setattr(training_sensors, "MAX_AUDIO_PER_TICK", 2)
    items = [pipeline.add_sets(ARTIST_NAME, [f])[0] for f in demo_sets[ARTIST_NAME][:3]]
    for item in items:
        pipeline.put_audio(item, synth_demo_audio(str(item.id), seconds=5.5))
    checked = []
    while pipeline.tick(training_audio_sensor).skip_reason is None:
        checked.append(sum(pipeline.item(i.id).status == "needs_prompt" for i in items))
    assert checked == [2, 3]
    # A retried tick (same cursor as before the last batch) is harmless: the items stay queued.
    pipeline.cursors[training_audio_sensor.name] = None
    pipeline.tick(training_audio_sensor)
    pipeline.tick(training_audio_sensor)
    assert {pipeline.item(i.id).status for i in items} == {"needs_prompt"}


def test_audio_copied_in_with_an_older_modification_time_is_still_found(pipeline, demo_sets):
    first, second = (pipeline.add_sets(ARTIST_NAME, [f])[0] for f in demo_sets[ARTIST_NAME][:2])
    pipeline.put_audio(first, synth_demo_audio("first", seconds=6.0))
    assert len(pipeline.tick(training_audio_sensor).run_requests) == 1
    cursor = pipeline.cursors[training_audio_sensor.name]

    # `rsync -a` / `cp -p` keep the source's (older) modification time: behind the cursor, but still new.
    path = pipeline.put_audio(second, synth_demo_audio("second", seconds=6.0))
    os.utime(pipeline.storage_root / path, (1_000_000_000, 1_000_000_000))
    assert len(pipeline.tick(training_audio_sensor).run_requests) == 1
    assert pipeline.item(second.id).status == "needs_prompt"
    assert pipeline.cursors[training_audio_sensor.name] == cursor  # never moves backwards
    assert pipeline.tick(training_audio_sensor).skip_reason is not None  # and is not taken twice


def test_writer_refusal_and_error_fail_only_their_items(pipeline, demo_sets):
    items = [pipeline.add_sets(ARTIST_NAME, [f])[0] for f in demo_sets[ARTIST_NAME][:3]]
    for item in items:
        pipeline.put_audio(item, synth_demo_audio(str(item.id), seconds=5.5))
    pipeline.tick(training_audio_sensor)
    pipeline.prompt_writer = ScriptedOpenAIWriter(replies=["refuse", "error", "ok"])

    result = pipeline.materialize(["training_prompts"], SLUG)

    refused, errored, written = (pipeline.item(i.id) for i in items)
    assert refused.status == "failed"
    assert refused.failure_reason == "I can't help with describing this recording."
    assert errored.status == "failed"
    assert "API error 400" in errored.failure_reason and MODEL in errored.failure_reason
    assert written.status == "ready" and written.model_name == MODEL
    for failed in (refused, errored):
        assert failed.prompt_text is None
        assert not pipeline.storage.exists(layout.prompt_path(SLUG, failed.id))
    (materialization,) = result.asset_materializations_for_node("training_prompts")
    assert (materialization.metadata["ready"].value, materialization.metadata["failed"].value) == (1, 2)
    assert materialization.metadata["dawa/provenance"].data["model_name"] == MODEL


def test_an_item_without_a_set_fails_with_a_reason_saying_how_to_fix_it(pipeline):
    artist = pipeline.artist(ARTIST_NAME)
    with connect(pipeline.database_url) as conn:
        item = training_items.create_item(conn, artist.id, parse_id="manual-0123")
        conn.commit()
    pipeline.put_audio(item, synth_demo_audio("manual", seconds=5.5))
    pipeline.tick(training_audio_sensor)
    pipeline.materialize(["training_prompts"], SLUG)
    failed = pipeline.item(item.id)
    assert (failed.status, failed.failure_reason) == ("failed", NO_SET_REASON)


def test_a_failing_build_stores_no_zip_and_changes_no_status(pipeline, demo_sets):
    items = _ready_items(pipeline, demo_sets[ARTIST_NAME][:2])
    pipeline.storage.delete([items[1].audio_path])

    result = pipeline.materialize(["training_dataset"], SLUG, raise_on_error=False)

    assert not result.success
    assert str(items[1].id) in str(result.get_step_failure_events()[0].event_specific_data.error)
    assert pipeline.dataset_zips(SLUG) == []
    assert [pipeline.item(i.id).status for i in items] == ["ready", "ready"]


def test_items_are_exported_only_once_the_zip_is_stored(pipeline, demo_sets):
    items = _ready_items(pipeline, demo_sets[ARTIST_NAME][:1])
    # The datasets "folder" is a file, so storing the zip fails after the zip was built.
    pipeline.storage.put(f"artists/{SLUG}/datasets", b"in the way")

    result = pipeline.materialize(["training_dataset"], SLUG, raise_on_error=False)

    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert "cannot write it" in str(failure.event_specific_data.error)  # built, then storing failed
    assert pipeline.item(items[0].id).status == "ready"

    # The failed build let go of the artist: once storage works again, the next build goes through.
    pipeline.storage.delete([f"artists/{SLUG}/datasets"])
    pipeline.materialize(["training_dataset"], SLUG)
    assert pipeline.item(items[0].id).status == "exported"


def test_a_rerun_exports_only_new_items_unless_a_full_rebuild_is_asked(pipeline, demo_sets):
    files = demo_sets[ARTIST_NAME]
    (first,) = _ready_items(pipeline, files[:1])
    pipeline.materialize(["training_dataset"], SLUG)

    nothing_new = pipeline.materialize(["training_dataset"], SLUG)
    assert nothing_new.asset_materializations_for_node("training_dataset") == []
    assert len(pipeline.dataset_zips(SLUG)) == 1

    (second,) = _ready_items(pipeline, files[1:2])
    pipeline.materialize(["training_dataset"], SLUG)
    zips = pipeline.dataset_zips(SLUG)
    assert len(zips) == 2
    assert _item_ids_in(pipeline, zips[-1]) == {str(second.id)}

    pipeline.materialize(
        ["training_dataset"],
        SLUG,
        run_config={"ops": {"training_dataset": {"config": {"full_rebuild": True}}}},
    )
    latest = pipeline.dataset_zips(SLUG)[-1]
    assert _item_ids_in(pipeline, latest) == {str(first.id), str(second.id)}
    assert {pipeline.item(i.id).status for i in (first, second)} == {"exported"}


def _item_ids_in(env: PipelineEnv, zip_path: str) -> set[str]:
    with zipfile.ZipFile(env.storage_root / zip_path) as archive:
        return {
            name.rsplit("/", 1)[1].removesuffix(".mp3")
            for name in archive.namelist()
            if name.endswith(".mp3")
        }


def test_captions_draw_on_the_artists_master_schema(pipeline, demo_sets):
    (item,) = pipeline.add_sets(ARTIST_NAME, demo_sets[ARTIST_NAME][:1])
    schema = {"artist": {"name": ARTIST_NAME, "core_identities": {"energy_profile": ["hypnotic"]}}}
    with connect(pipeline.database_url) as conn:
        conn.execute(
            "INSERT INTO artist_profiles (artist_id, name, master_schema) VALUES (%s, %s, %s)",
            (item.artist_id, ARTIST_NAME, Jsonb(schema)),
        )
        conn.commit()
    pipeline.put_audio(item, synth_demo_audio("schema", seconds=5.5))
    pipeline.tick(training_audio_sensor)
    pipeline.materialize(["training_prompts"], SLUG)

    ready = pipeline.item(item.id)
    caption = Caption.model_validate_json(pipeline.storage.get(caption_path(SLUG, item.id)))
    assert "hypnotic" in caption.moods
    assert "hypnotic" in ready.prompt_text.lower()


def test_overlapping_prompt_runs_caption_each_item_once_and_keep_files_and_rows_in_step(pipeline, demo_sets):
    """The audio sensor can request a second training_prompts run while the first is still writing: the
    second must not caption (and pay for) the item the first is on, nor overwrite files it finished."""
    items = [pipeline.add_sets(ARTIST_NAME, [f])[0] for f in demo_sets[ARTIST_NAME][:3]]
    for item in items:
        pipeline.put_audio(item, synth_demo_audio(str(item.id), seconds=5.5))
    pipeline.tick(training_audio_sensor)
    second_run = replace(pipeline, prompt_writer=PromptWriterResource(offline=True))
    calls: list[str] = []

    class FirstRunWriter(OfflineWriter):
        """Another run starts while this one writes its first caption; its own captions read differently."""

        name = "first-run-writer"

        def write(self, context: CaptionContext) -> Caption:
            calls.append(self.name)
            if len(calls) == 1:
                second_run.materialize(["training_prompts"], SLUG)
            caption = super().write(context)
            return caption.model_copy(update={"text": "An instrumental electronic track, first take."})

    class FirstRun(PromptWriterResource):
        def writer(self) -> OfflineWriter:
            return FirstRunWriter()

    pipeline.prompt_writer = FirstRun()
    pipeline.materialize(["training_prompts"], SLUG)

    finished = [pipeline.item(i.id) for i in items]
    assert [i.status for i in finished] == ["ready"] * 3
    assert [i.model_name for i in finished].count("first-run-writer") == len(calls) == 1
    for item in finished:
        assert pipeline.storage.get(item.prompt_path).decode() == item.prompt_text
        caption = Caption.model_validate_json(pipeline.storage.get(caption_path(SLUG, item.id)))
        assert caption.text == item.prompt_text


def test_a_prompt_edited_on_the_row_is_the_caption_the_dataset_trains_on(pipeline, demo_sets):
    """Members may rewrite `prompt_text` (the seed's column) from the web app; the zip carries their words,
    with the writer's tags still beside them."""
    (item,) = _ready_items(pipeline, demo_sets[ARTIST_NAME][:1])
    edited = "A slow hypnotic groove with warm pads and a deep rolling bassline."
    with connect(pipeline.database_url) as conn:
        conn.execute("UPDATE training_items SET prompt_text = %s WHERE id = %s", (edited, item.id))
        conn.commit()
    written = Caption.model_validate_json(pipeline.storage.get(caption_path(SLUG, item.id)))

    pipeline.materialize(["training_dataset"], SLUG)

    (zip_path,) = pipeline.dataset_zips(SLUG)
    with zipfile.ZipFile(pipeline.storage_root / zip_path) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith("/train/metadata.jsonl")]
        (row,) = [json.loads(line) for line in archive.read(metadata).decode().splitlines()]
        (sidecar,) = [n for n in archive.namelist() if n.endswith(f"/train/{item.id}.json")]
        info = json.loads(archive.read(sidecar))
    assert row["text"] == info["description"] == edited
    assert row["instruments"] == ", ".join(written.instruments) != ""
