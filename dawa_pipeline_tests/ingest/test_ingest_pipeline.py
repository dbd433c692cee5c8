"""Upload → sensor → run → `als_summaries` row + `summary.json` + timeline, on real Postgres and storage."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

import dagster as dg
import pytest
from pipeline_env import ALL_ASSETS, INGEST

from dawa_pipeline.als import AlsSummary, parse_als, parse_id
from dawa_pipeline.cli.inprocess import execute_run_request, failed_partitions
from dawa_pipeline.db import summaries
from dawa_pipeline.db.artists import add_member
from dawa_pipeline.db.connection import connect
from dawa_pipeline.defs.ingest import sensors
from dawa_pipeline.defs.ingest.sensors import export_requests
from dawa_pipeline.defs.partitions import artist_partitions, partitions_of, set_partitions
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.local import LocalStorage
from dawa_pipeline.storage.uploads import UploadOutcome, upload_sets

ARTIST = "Nightshift Atlas"


def _rows(database_url: str) -> list[summaries.StoredSummary]:
    with connect(database_url) as conn:
        (artist_id,) = conn.execute("SELECT id FROM artists WHERE name = %s", (ARTIST,)).fetchone()
        return summaries.latest_for_artist(conn, artist_id)


def _objects(env, prefix: str = "artists/") -> list[str]:
    return [o.path for o in env.storage.list(prefix)]


def test_upload_to_row_and_exports_at_seed_paths(pipeline, demo_sets):
    files = demo_sets[ARTIST][:2]
    paths = pipeline.upload(ARTIST, files)
    assert paths == [
        f"artists/nightshift-atlas/uploads/{f.parent.name.removesuffix(' Project')}/{f.name}" for f in files
    ]

    tick = pipeline.tick()
    assert len(tick.run_requests) == 1  # one run for the tick's batch
    keys = pipeline.keys_of(tick)
    assert len(keys) == 2
    assert set(pipeline.instance.get_dynamic_partitions(set_partitions.name)) == set(keys)
    assert pipeline.instance.get_dynamic_partitions(artist_partitions.name) == ["nightshift-atlas"]

    results = pipeline.run_requested(tick)
    assert all(r.success for r in results)

    rows = _rows(pipeline.database_url)
    assert len(rows) == 2
    by_name = sorted(rows, key=lambda r: r.als_filename)
    for row, local in zip(by_name, sorted(files, key=lambda f: f.name), strict=True):
        expected = parse_als(local, artist_name=ARTIST)
        project = local.parent.name.removesuffix(" Project")
        assert row.parse_id == parse_id(ARTIST, expected.source.sha256)
        assert row.export_path == layout.daw_data_dir("nightshift-atlas", project, local.stem, row.parse_id)
        assert row.summary["overview"] == expected.overview.model_dump(mode="json")
        assert row.summary["artist_name"] == ARTIST
        AlsSummary.model_validate(row.summary)

        document = json.loads(
            pipeline.storage.get(
                layout.summary_json_path("nightshift-atlas", project, local.stem, row.parse_id)
            )
        )
        provenance = document.pop("provenance")
        assert document == row.summary
        assert provenance["inputs"]["sha256"] == expected.source.sha256
        assert provenance["parser"]["version"]
        picture = pipeline.storage.get(
            layout.timeline_path("nightshift-atlas", project, local.stem, row.parse_id)
        )
        assert picture.startswith(b"\x89PNG")

    for result in results:
        checks = result.get_asset_check_evaluations()
        assert {c.check_name for c in checks} == {
            "summary_fits_seed",
            "export_matches_row",
            "timeline_picture_exists",
        }
        assert all(c.passed for c in checks)
        materializations = result.asset_materializations_for_node("als_summary")
        assert {m.partition for m in materializations} == set(keys)
        for materialization in materializations:
            stamp = materialization.metadata["dawa/provenance"].data
            assert stamp["run_id"] == result.run_id
            assert stamp["partition"] == materialization.partition
            assert materialization.metadata["parse_id"].text == stamp["parse_id"]


def test_sensor_skips_with_same_cursor_and_bounds_each_tick(pipeline, demo_sets, monkeypatch):
    monkeypatch.setattr(sensors, "MAX_UPLOADS_PER_TICK", 2)
    pipeline.upload(ARTIST, demo_sets[ARTIST][:5])

    sizes = []
    while (tick := pipeline.tick()).run_requests:
        assert len(tick.run_requests) == 1  # each tick's uploads become one run
        sizes.append(len(pipeline.keys_of(tick)))
    assert sizes == [2, 2, 1]
    assert tick.skip_reason is not None
    assert len(pipeline.instance.get_dynamic_partitions(set_partitions.name)) == 5


def test_a_tick_beyond_the_batch_limit_becomes_several_runs(pipeline, demo_sets, monkeypatch):
    monkeypatch.setattr(sensors, "MAX_SETS_PER_RUN", 2)
    pipeline.upload(ARTIST, demo_sets[ARTIST][:5])

    tick = pipeline.tick()

    assert len(tick.run_requests) == 3
    order = pipeline.instance.get_dynamic_partitions(set_partitions.name)
    covered = [partitions_of(request, order) for request in tick.run_requests]
    assert [len(keys) for keys in covered] == [2, 2, 1]
    assert [key for keys in covered for key in keys] == order
    assert len({request.run_key for request in tick.run_requests}) == 3


def test_an_upload_deleted_between_listing_and_reading_is_skipped(pipeline, demo_sets, monkeypatch):
    kept, deleted = pipeline.upload(ARTIST, demo_sets[ARTIST][:2])
    listing = LocalStorage.list

    def list_then_delete(self, prefix, **kwargs):
        objects = list(listing(self, prefix, **kwargs))
        (pipeline.storage_root / deleted).unlink(missing_ok=True)  # another client removes it meanwhile
        return iter(objects)

    monkeypatch.setattr(LocalStorage, "list", list_then_delete)
    tick = pipeline.tick()
    assert [o.metadata["path"].value for o in tick.asset_events] == [kept]
    assert len(tick.run_requests) == 1


def test_changed_bytes_are_parsed_again_and_unchanged_are_not(pipeline, demo_sets, tmp_path):
    first, second = demo_sets[ARTIST][:2]
    (path,) = pipeline.upload(ARTIST, [first])
    tick = pipeline.tick()
    (request,) = tick.run_requests
    (upload,) = tick.asset_events
    sha256 = hashlib.sha256(first.read_bytes()).hexdigest()
    assert isinstance(upload, dg.AssetMaterialization)  # uploads are materializations of als_upload
    assert upload.tags["dagster/data_version"] == sha256
    (result,) = pipeline.run_requested(tick)
    (summary,) = result.asset_materializations_for_node("als_summary")
    # Dagster's input version of a partitioned upstream: sha256 over its partitions' data versions in order.
    combined = hashlib.sha256(sha256.encode()).hexdigest()
    assert summary.tags["dagster/input_data_version/als_upload"] == combined

    # Touched but unchanged: nothing to parse, so no run at all.
    os.utime(pipeline.storage_root / path)
    assert pipeline.tick().run_requests == []

    # New bytes under the same name: a new run key.
    replacement = tmp_path / first.parent.name / first.name
    replacement.parent.mkdir()
    replacement.write_bytes(second.read_bytes())
    (result,) = upload_sets(pipeline.storage, "nightshift-atlas", [replacement])
    assert result.outcome is UploadOutcome.REPLACED
    (changed,) = pipeline.tick().run_requests
    assert changed.partition_key == request.partition_key
    assert changed.run_key != request.run_key


def test_materialising_twice_and_reuploading_leave_one_row_and_one_set_of_objects(pipeline, demo_sets):
    (local,) = demo_sets[ARTIST][:1]
    pipeline.upload(ARTIST, [local])
    (request,) = pipeline.tick().run_requests
    pipeline.materialize(INGEST, request.partition_key)
    objects = _objects(pipeline)
    pipeline.materialize(INGEST, request.partition_key)

    assert len(_rows(pipeline.database_url)) == 1
    with connect(pipeline.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM als_summaries").fetchone() == (1,)
    assert _objects(pipeline) == objects

    (result,) = upload_sets(pipeline.storage, "nightshift-atlas", [local])
    assert result.outcome is UploadOutcome.SKIPPED
    assert pipeline.tick().run_requests == []
    assert _objects(pipeline) == objects


@pytest.fixture
def junk_set(tmp_path: Path) -> Path:
    path = tmp_path / "Broken Project" / "Broken.als"
    path.parent.mkdir()
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"not really gzip")
    return path


def test_a_bad_upload_fails_only_its_own_partition(pipeline, demo_sets, junk_set):
    pipeline.upload(ARTIST, [*demo_sets[ARTIST][:2], junk_set])
    tick = pipeline.tick()
    (result,) = pipeline.run_requested(tick)

    assert not result.success
    assert failed_partitions(result) == {
        "nightshift-atlas::Broken::Broken.als": failed_partitions(result)[
            "nightshift-atlas::Broken::Broken.als"
        ]
    }
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message
    assert "Broken.als" in message and "gzip" in message
    materialized = {m.partition for m in result.asset_materializations_for_node("als_summary")}
    assert materialized == {k for k in pipeline.keys_of(tick) if "Broken" not in k}
    assert len(_rows(pipeline.database_url)) == 2
    assert not [p for p in _objects(pipeline, "artists/nightshift-atlas/daw-data/") if "/Broken/" in p]

    # What the automation sensor then asks for: the good sets' exports, in one run.
    (request,) = export_requests(pipeline.instance, tick.run_requests[0], failed_partitions(result))
    exported = execute_run_request(pipeline.instance, request, ALL_ASSETS, pipeline.resources, "test")
    assert exported.success
    assert len(_objects(pipeline, "artists/nightshift-atlas/daw-data/")) == 4


def test_a_bulk_run_stores_the_good_sets_and_names_the_bad_one(pipeline, demo_sets, junk_set):
    pipeline.upload(ARTIST, [demo_sets[ARTIST][0], junk_set, demo_sets[ARTIST][1]])
    keys = pipeline.keys_of(pipeline.tick())
    result = pipeline.materialize_range(INGEST, keys[0], keys[-1], raise_on_error=False)

    assert not result.success
    stored = {r.als_filename for r in _rows(pipeline.database_url)}
    assert stored == {demo_sets[ARTIST][0].name, demo_sets[ARTIST][1].name}
    materialized = {m.partition for m in result.asset_materializations_for_node("als_summary")}
    assert materialized == {k for k in keys if "Broken" not in k}
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "Broken.als" in failure.step_failure_data.error.message


def test_a_bulk_run_writes_every_set_in_one_run(pipeline, demo_sets):
    pipeline.upload(ARTIST, demo_sets[ARTIST])
    keys = pipeline.keys_of(pipeline.tick())
    result = pipeline.materialize_range(INGEST, keys[0], keys[-1])
    assert result.success
    assert len(_rows(pipeline.database_url)) == len(keys)
    assert {m.partition for m in result.asset_materializations_for_node("als_summary_export")} == set(keys)
    exports = _objects(pipeline, "artists/nightshift-atlas/daw-data/")
    assert len(exports) == 2 * len(keys)

    # Each partition's event carries its own set's summary and provenance, not the whole run's.
    rows = {r.source_path: r for r in _rows(pipeline.database_url)}
    for event in result.asset_materializations_for_node("als_summary"):
        stamp = event.metadata["dawa/provenance"].data
        assert stamp["partition"] == event.partition
        row = rows[stamp["inputs"]["path"]]
        assert stamp["inputs"]["sha256"] == row.source_sha256
        assert event.metadata["parse_id"].text == row.parse_id
        assert event.metadata["tempo"].value == round(row.summary["overview"]["tempo"], 2)
    export_events = result.asset_materializations_for_node("als_summary_export")
    assert {e.metadata["parse_id"].value for e in export_events} == {r.parse_id for r in rows.values()}


def test_rls_holds_for_rows_the_pipeline_wrote(pipeline, demo_sets, db, acting_as):
    pipeline.upload(ARTIST, demo_sets[ARTIST][:1])
    pipeline.run_requested(pipeline.tick())
    member, stranger = uuid.uuid4(), uuid.uuid4()
    artist = pipeline.artist(ARTIST)
    add_member(db, member, artist.id)

    with acting_as(db, member) as conn:
        assert conn.execute("SELECT count(*) FROM als_summaries").fetchone()[0] == 1
    with acting_as(db, stranger) as conn:
        assert conn.execute("SELECT count(*) FROM als_summaries").fetchone()[0] == 0
    with acting_as(db, None, role="anon") as conn:
        assert conn.execute("SELECT count(*) FROM als_summaries").fetchone()[0] == 0


def test_checks_catch_an_export_that_drifted_from_its_row(pipeline, demo_sets):
    from dawa_pipeline.defs.ingest.checks import summary_json_problems, summary_problems, timeline_problems

    pipeline.upload(ARTIST, demo_sets[ARTIST][:1])
    (request,) = pipeline.tick().run_requests
    key = request.partition_key
    pipeline.materialize(INGEST, key)
    database, storage = pipeline.resources["database"], pipeline.resources["storage"]
    assert summary_json_problems(database, storage, [key]) == {}
    assert timeline_problems(database, storage, [key]) == {}

    (row,) = _rows(pipeline.database_url)
    summary_path = f"{row.export_path}summary.json"
    document = json.loads(pipeline.storage.get(summary_path))
    document["overview"]["tempo"] = 1.0
    pipeline.storage.put(summary_path, json.dumps(document).encode())
    pipeline.storage.put(f"{row.export_path}timeline_visualizer.png", b"GIF89a")
    with connect(pipeline.database_url) as conn:
        conn.execute("UPDATE als_summaries SET summary = summary - 'overview'")

    assert summary_json_problems(database, storage, [key]) == {
        key: ["summary.json differs from the row's summary"]
    }
    assert timeline_problems(database, storage, [key]) == {key: ["timeline_visualizer.png is not a PNG"]}
    assert summary_problems(database, [key]) == {key: ["overview: Field required"]}
    pipeline.storage.delete([summary_path])
    assert summary_json_problems(database, storage, ["nightshift-atlas::Nope::Nope.als", key]) == {
        "nightshift-atlas::Nope::Nope.als": ["no row stored"],
        key: [f"{summary_path} is missing"],
    }


def test_a_set_copied_into_another_project_is_ingested_at_both_paths(pipeline, demo_sets, tmp_path):
    """Identical bytes at two upload paths share the seed's one row per artist and parse; neither partition
    may lose it, and the run's checks and exports succeed for both."""
    original = demo_sets[ARTIST][0]
    copy = tmp_path / "Copy Project" / original.name
    copy.parent.mkdir()
    copy.write_bytes(original.read_bytes())
    paths = pipeline.upload(ARTIST, [original, copy])
    keys = pipeline.keys_of(pipeline.tick())

    result = pipeline.materialize_range(INGEST, keys[0], keys[-1])

    assert result.success
    assert {m.partition for m in result.asset_materializations_for_node("als_summary_export")} == set(keys)
    (row,) = _rows(pipeline.database_url)
    with connect(pipeline.database_url) as conn:
        found = summaries.latest_for_source(conn, paths)
    assert {found[p].id for p in paths} == {row.id}
    assert all(c.passed for c in result.get_asset_check_evaluations())
    assert pipeline.storage.exists(f"{row.export_path}summary.json")


def test_a_set_copied_in_with_an_older_modification_time_is_still_found(pipeline, demo_sets):
    """`rsync -a` or `cp -p` into the storage folder keeps the source's time, older than the cursor."""
    first, second = demo_sets[ARTIST][:2]
    pipeline.upload(ARTIST, [first])
    assert len(pipeline.tick().run_requests) == 1

    path = layout.upload_path("nightshift-atlas", "Late", second.name)
    pipeline.storage.put(path, second.read_bytes())
    os.utime(pipeline.storage_root / path, (946684800, 946684800))  # 2000-01-01
    (request,) = pipeline.tick().run_requests
    assert request.partition_key == f"nightshift-atlas::Late::{second.name}"
    assert pipeline.tick().run_requests == []
