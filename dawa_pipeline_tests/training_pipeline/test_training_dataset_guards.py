"""What keeps datasets trustworthy when the world around a build moves: one list of names kept out of
captions from prompt to zip (an artist renamed after their sets were parsed), summary rows in shapes this
parser does not know, and two builds of one artist overlapping. Real runs on the embedded Postgres and a
storage folder."""

from __future__ import annotations

import dagster as dg
from test_training_lifecycle import ARTIST_NAME, SLUG, _item_ids_in, _ready_items

from dawa_pipeline.db import summaries
from dawa_pipeline.db.connection import connect
from dawa_pipeline.defs.training import datasets as training
from dawa_pipeline.defs.training.resources import PromptWriterResource
from dawa_pipeline.defs.training.sensors import training_audio_sensor
from dawa_pipeline.demo.audio import synth_demo_audio
from dawa_pipeline.storage import layout
from dawa_pipeline.training.captions import Caption, CaptionContext
from dawa_pipeline.training.offline_writer import OfflineWriter

NEW_NAME = "Velvet Circuit"


def test_after_a_rename_a_caption_naming_the_artist_fails_at_prompts_not_at_the_dataset(pipeline, demo_sets):
    """The set's summary still says the old name; `artists.name` says the new one. The prompt step must keep
    out the same names the dataset build does, so the item fails with its reason instead of turning ready
    and then breaking the whole zip."""
    (item,) = pipeline.add_sets(ARTIST_NAME, demo_sets[ARTIST_NAME][:1])
    pipeline.put_audio(item, synth_demo_audio("renamed", seconds=5.5))
    pipeline.tick(training_audio_sensor)
    with connect(pipeline.database_url) as conn:
        conn.execute("UPDATE artists SET name = %s WHERE id = %s", (NEW_NAME, item.artist_id))
        conn.commit()

    class NamingWriter(OfflineWriter):
        name = "naming-writer"

        def write(self, context: CaptionContext) -> Caption:
            caption = super().write(context)
            return caption.model_copy(update={"text": f"A hypnotic {NEW_NAME} groove with warm pads."})

    class Naming(PromptWriterResource):
        def writer(self) -> OfflineWriter:
            return NamingWriter()

    pipeline.prompt_writer = Naming()
    pipeline.materialize(["training_prompts"], SLUG)

    failed = pipeline.item(item.id)
    assert failed.status == "failed"
    assert NEW_NAME in failed.failure_reason
    assert not pipeline.storage.exists(layout.prompt_path(SLUG, item.id))
    assert pipeline.materialize(["training_dataset"], SLUG).success
    assert pipeline.dataset_zips(SLUG) == []


def test_a_summary_row_the_parser_cannot_read_is_reported_by_the_check_not_a_crash(pipeline, demo_sets):
    """A row written by hand in the web app (or by a newer parser) must not stop the dataset check: it says
    which row it could not read, and still checks the zip."""
    (item,) = _ready_items(pipeline, demo_sets[ARTIST_NAME][:1])
    foreign = summaries.SummaryRow(
        artist_id=item.artist_id,
        parse_id="hand-written-0001",
        project_name="Sketches",
        als_filename="Idea.als",
        summary={"artist_name": ARTIST_NAME, "format": "dawa-summary-v9", "sections": [{"bars": 8}]},
        export_path="",
        source_path=layout.upload_path(SLUG, "Sketches", "Idea.als"),
        source_sha256="0" * 64,
    )
    with connect(pipeline.database_url) as conn:
        (row,) = summaries.upsert_summaries(conn, [foreign])
        conn.commit()

    result = pipeline.materialize(["training_dataset"], SLUG, raise_on_error=False)

    assert result.success
    (zip_path,) = pipeline.dataset_zips(SLUG)
    assert _item_ids_in(pipeline, zip_path) == {str(item.id)}
    assert pipeline.item(item.id).status == "exported"
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    (problem,) = check.metadata["problems"].data[SLUG]
    assert str(row.id) in problem and "hand-written-0001" in problem
    assert check.metadata["zips_checked"].data == {SLUG: zip_path}


def test_overlapping_dataset_builds_never_replace_each_others_zip(pipeline, demo_sets, monkeypatch):
    """Zip names have one-second resolution and are chosen before the zip is stored: a second build of the
    same artist started while the first is writing must not pick the same name and replace its zip."""
    items = _ready_items(pipeline, demo_sets[ARTIST_NAME][:2])
    second_runs: list[dg.ExecuteInProcessResult] = []
    calls: list[int] = []
    write_dataset_zip = training.write_dataset_zip

    def start_another_build_first(*args, **kwargs):
        calls.append(len(calls))
        if len(calls) == 1:
            second_runs.append(pipeline.materialize(["training_dataset"], SLUG, raise_on_error=False))
        return write_dataset_zip(*args, **kwargs)

    monkeypatch.setattr(training, "write_dataset_zip", start_another_build_first)
    first = pipeline.materialize(["training_dataset"], SLUG)

    (second,) = second_runs
    assert not second.success
    (failure,) = second.get_step_failure_events()
    assert "another training_dataset run" in failure.event_specific_data.error.message
    assert SLUG in failure.event_specific_data.error.message
    (zip_path,) = pipeline.dataset_zips(SLUG)
    assert _item_ids_in(pipeline, zip_path) == {str(i.id) for i in items}
    (check,) = first.get_asset_check_evaluations()
    assert check.passed
    assert {pipeline.item(i.id).status for i in items} == {"exported"}

    # The build let go of the artist: the next one runs.
    (later,) = _ready_items(pipeline, demo_sets[ARTIST_NAME][2:3])
    pipeline.materialize(["training_dataset"], SLUG)
    assert _item_ids_in(pipeline, pipeline.dataset_zips(SLUG)[-1]) == {str(later.id)}
