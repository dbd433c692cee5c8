"""Ingested sets → daw_fingerprint → fingerprint chart + artist_profiles row, on real Postgres, storage and
Dagster runs; hand-written fields survive refreshes and unchanged inputs write nothing."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import dagster as dg

from dawa_pipeline.als import parse_als
from dawa_pipeline.db import profiles, summaries
from dawa_pipeline.db.artists import add_member
from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.profiles import ProfileWrite
from dawa_pipeline.profile import compute_fingerprint, validate_master_schema
from dawa_pipeline.storage import layout

ATLAS, MARROW = "Nightshift Atlas", "Velvet Marrow"
COMPUTED = ("uuids", "daw_fingerprint_aggregates", "provenance")


def _expected_aggregates(files: list[Path], artist: str) -> dict[str, Any]:
    """The fingerprint of the local files, parsed here as the ingest run parses the uploads."""
    parsed = [
        parse_als(f, artist_name=artist, project_name=f.parent.name.removesuffix(" Project")) for f in files
    ]
    return compute_fingerprint(parsed).aggregates.model_dump(mode="json")


def _summary_labels(database_url: str, artist_id: uuid.UUID) -> list[str]:
    with connect(database_url) as conn:
        rows = summaries.latest_for_artist(conn, artist_id)
    return sorted(f"{r.project_name}/{r.als_filename}@{r.parse_id}" for r in rows)


def _materialization(result, asset: str):
    (materialization,) = result.asset_materializations_for_node(asset)
    return materialization


def test_two_artists_get_profile_rows_and_charts(pipeline, demo_sets):
    for artist in (ATLAS, MARROW):
        pipeline.ingest(artist, demo_sets[artist][:3])

    for artist in (ATLAS, MARROW):
        slug = layout.slugify(artist)
        result = pipeline.refresh(slug)
        assert result.success

        stored = pipeline.profile(artist)
        assert stored is not None and stored.name == artist
        doc = stored.master_schema
        artist_id = str(pipeline.artist(artist).id)
        assert doc["schema_version"] == "1.0"
        assert doc["uuids"] == {"name": artist, "artist_id": artist_id}
        assert doc["artist"] == {"name": artist}
        assert doc["daw_fingerprint_aggregates"] == _expected_aggregates(demo_sets[artist][:3], artist)
        assert doc["provenance"]["sources"] == {
            "daw": _summary_labels(pipeline.database_url, uuid.UUID(artist_id)),
            "metadata_provided": [],
        }
        assert validate_master_schema(doc) == []

        chart_path = layout.fingerprint_chart_path(slug)
        assert pipeline.storage.get(chart_path).startswith(b"\x89PNG\r\n\x1a\n")
        chart = _materialization(result, "fingerprint_chart")
        assert chart.metadata["chart"].path == chart_path
        assert chart.metadata["dawa/paths_written"].data == [chart_path]

        schema = _materialization(result, "artist_master_schema")
        assert schema.partition == slug
        assert schema.metadata["sets"].value == 3
        assert schema.metadata["written"].value is True
        stamp = schema.metadata["dawa/provenance"].data
        assert stamp["run_id"] == result.run_id and stamp["partition"] == slug
        assert len(stamp["inputs"]["als_summaries.id"]) == 3
        (check,) = result.get_asset_check_evaluations()
        assert check.check_name == "master_schema_valid" and check.passed

    atlas = pipeline.profile(ATLAS).master_schema["daw_fingerprint_aggregates"]
    marrow = pipeline.profile(MARROW).master_schema["daw_fingerprint_aggregates"]
    assert atlas["core_bpm_range"] != marrow["core_bpm_range"]


def _hand_written(artist_name: str, artist_id: str, first_set: str) -> dict[str, Any]:
    """A rich profile as a label would write it, with stale computed parts the refresh must replace."""
    return {
        "schema_version": "1.0",
        "uuids": {"name": artist_name, "artist_id": artist_id},
        "artist": {
            "name": artist_name,
            "origin": {"city": "Rotterdam", "country": "NL"},
            "members": ["Ines Vos", "Tarik Maas"],
            "brand_narrative": {"tone": ["nocturnal", "precise"], "description": "Warehouse hypnosis."},
            "core_identities": {
                "tempo_center": "124-128",
                "energy_profile": ["rolling", "peak-time"],
                "primary_genre_space": ["melodic techno"],
                "secondary_spaces": ["progressive house"],
                "melodic_character": ["minor arps"],
                "sound_design_signature": ["wide pads"],
                "sync_pitch_identity": ["night driving"],
            },
            "press_quote": "added by the front end, beside the seed",
        },
        "catalog": [
            {
                "work_id": "w-1",
                "title": first_set.upper().replace(" ", "_"),
                "primary_artist": artist_name,
                "release_role": "original",
                "tempo_bpm": 126.0,
                "key_center": "A minor",
                "energy_arc": "slow build",
                "core_tags": ["arp"],
                "mood_profile": ["tense"],
                "sync_notes": ["no vocals"],
            },
            {
                "work_id": "w-2",
                "title": "Unreleased Thing",
                "primary_artist": artist_name,
                "release_role": "remix",
                "remixer": "Someone Else",
                "tempo_bpm": 122,
                "key_center": "F minor",
                "energy_arc": "flat",
                "core_tags": [],
                "mood_profile": [],
                "sync_notes": [],
            },
        ],
        "semantic_views": {
            "by_mood": {"late night": {"description": "d", "typical_elements": ["pads"], "suitable_for": []}},
            "by_usage": {"trailer": {"description": "d", "features": ["risers"], "ideal_for": ["games"]}},
            "by_energy_arc": {"build": {"description": "d", "structure_traits": ["16-bar risers"]}},
        },
        "creative_policy": {
            "keep_foreground": ["arps"],
            "no_go_zones": ["EDM drops"],
            "production_guides": ["mono sub"],
            "sync_specific_notes": ["stems available"],
        },
        "daw_fingerprint_aggregates": {"core_bpm_range": {"min": 1, "max": 2, "cluster_centers": []}},
        "provenance": {
            "last_refreshed": "2020-01-01T00:00:00+00:00",
            "sources": {"daw": ["stale/entry.als@old"], "metadata_provided": ["label sheet 2024"]},
        },
    }


def _without_computed(doc: dict[str, Any]) -> dict[str, Any]:
    """The hand-written parts: everything but the computed sections and the links the refresh adds."""
    rest = {k: copy.deepcopy(v) for k, v in doc.items() if k not in COMPUTED}
    for work in rest.get("catalog", []):
        work.pop("daw_summary_id", None)
    return rest


def _store(database_url: str, artist_id: uuid.UUID, name: str, doc: dict[str, Any]) -> None:
    with connect(database_url) as conn:
        profiles.write_master_schema(conn, ProfileWrite(artist_id, name, doc, expected=None, changed=True))
        conn.commit()


def test_refresh_keeps_hand_written_fields_and_an_unchanged_refresh_writes_nothing(pipeline, demo_sets):
    files = demo_sets[ATLAS][:2]
    pipeline.ingest(ATLAS, files)
    artist = pipeline.artist(ATLAS)
    written = _hand_written(ATLAS, str(artist.id), files[0].stem)
    _store(pipeline.database_url, artist.id, ATLAS, written)

    first = pipeline.refresh(artist.slug)
    doc = pipeline.profile(ATLAS).master_schema
    assert _without_computed(doc) == _without_computed(written)
    assert doc["uuids"] == written["uuids"]
    assert doc["daw_fingerprint_aggregates"] == _expected_aggregates(files, ATLAS)
    assert doc["provenance"]["sources"]["metadata_provided"] == ["label sheet 2024"]
    assert doc["provenance"]["sources"]["daw"] == _summary_labels(pipeline.database_url, artist.id)
    assert doc["provenance"]["last_refreshed"] > "2020-01-01T00:00:00+00:00"
    with connect(pipeline.database_url) as conn:
        first_set_id = next(
            str(r.id) for r in summaries.latest_for_artist(conn, artist.id) if r.als_filename == files[0].name
        )
    assert doc["catalog"][0]["daw_summary_id"] == first_set_id
    assert "daw_summary_id" not in doc["catalog"][1]

    before = pipeline.profile(ATLAS)
    second = pipeline.refresh(artist.slug)
    after = pipeline.profile(ATLAS)
    assert after.updated_at == before.updated_at
    assert after.master_schema == before.master_schema
    schema_first = _materialization(first, "artist_master_schema")
    schema_second = _materialization(second, "artist_master_schema")
    assert schema_second.metadata["written"].value is False
    assert schema_second.metadata["dagster/row_count"].value == 0
    assert schema_second.tags["dagster/data_version"] == schema_first.tags["dagster/data_version"]
    fingerprint_versions = {
        _materialization(r, "daw_fingerprint").tags["dagster/data_version"] for r in (first, second)
    }
    assert len(fingerprint_versions) == 1

    # A new set changes the computed parts only.
    pipeline.ingest(ATLAS, demo_sets[ATLAS][2:3])
    third = pipeline.refresh(artist.slug)
    latest = pipeline.profile(ATLAS)
    assert _without_computed(latest.master_schema) == _without_computed(written)
    assert latest.master_schema["daw_fingerprint_aggregates"] == _expected_aggregates(
        demo_sets[ATLAS][:3], ATLAS
    )
    assert len(latest.master_schema["provenance"]["sources"]["daw"]) == 3
    assert latest.updated_at > after.updated_at
    assert (
        _materialization(third, "artist_master_schema").tags["dagster/data_version"]
        != schema_first.tags["dagster/data_version"]
    )


def test_an_invalid_hand_written_profile_fails_the_check_and_stays(pipeline, demo_sets):
    files = demo_sets[MARROW][:1]
    pipeline.ingest(MARROW, files)
    artist = pipeline.artist(MARROW)
    broken = _hand_written(MARROW, str(artist.id), "no such set")
    broken["catalog"][1]["tempo_bpm"] = "92"
    del broken["artist"]["origin"]["country"]
    broken["creative_policy"]["no_go_zones"] = "everything"
    _store(pipeline.database_url, artist.id, MARROW, broken)

    result = pipeline.refresh(artist.slug, raise_on_error=False)

    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    problems = check.metadata["problems"].data[artist.slug]
    assert [p.split(":")[0] for p in problems] == [
        "artist.origin.country",
        "catalog[1].tempo_bpm",
        "creative_policy.no_go_zones",
    ]
    stored = pipeline.profile(MARROW).master_schema
    assert _without_computed(stored) == _without_computed(broken)
    assert stored["daw_fingerprint_aggregates"] == _expected_aggregates(files, MARROW)


def test_a_profile_that_cannot_take_the_computed_parts_is_left_alone(pipeline, demo_sets):
    pipeline.ingest(MARROW, demo_sets[MARROW][:1])
    artist = pipeline.artist(MARROW)
    odd = {"schema_version": "1.0", "artist": {"name": MARROW}, "provenance": "typed by hand"}
    _store(pipeline.database_url, artist.id, MARROW, odd)

    result = pipeline.refresh(artist.slug, raise_on_error=False)

    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message
    assert "provenance" in message and "nothing was written" in message
    assert pipeline.profile(MARROW).master_schema == odd


def test_members_read_their_artists_profile_and_nobody_else_does(pipeline, demo_sets, db, acting_as):
    for artist in (ATLAS, MARROW):
        pipeline.ingest(artist, demo_sets[artist][:1])
        pipeline.refresh(layout.slugify(artist))
    member, stranger = uuid.uuid4(), uuid.uuid4()
    add_member(db, member, pipeline.artist(ATLAS).id, role="viewer")

    def visible(user: uuid.UUID | None, role: str = "authenticated") -> list[str]:
        with acting_as(db, user, role=role) as conn:
            return [r[0] for r in conn.execute("SELECT name FROM artist_profiles ORDER BY name").fetchall()]

    assert visible(member) == [ATLAS]
    assert visible(stranger) == []
    assert visible(None, role="anon") == []
    with acting_as(db, member) as conn:
        updated = conn.execute(
            "UPDATE artist_profiles SET master_schema = '{}' RETURNING artist_id"
        ).fetchall()
    assert updated == []  # a viewer is not an owner: no update


def test_one_run_refreshes_several_artists_each_with_its_own_picture(pipeline, demo_sets):
    for artist in (ATLAS, MARROW):
        pipeline.ingest(artist, demo_sets[artist][:2])
    first, last = layout.slugify(ATLAS), layout.slugify(MARROW)

    result = pipeline.materialize_range(dg.AssetSelection.groups("profile"), first, last)

    assert result.success
    charts = {m.partition: m for m in result.asset_materializations_for_node("fingerprint_chart")}
    assert set(charts) == {first, last}
    for slug, chart in charts.items():
        assert chart.metadata["chart"].path == layout.fingerprint_chart_path(slug)
        picture = chart.metadata["picture"].md_str
        assert picture.startswith("![fingerprint of ") and len(picture) <= 30_000
    for artist in (ATLAS, MARROW):
        stored = pipeline.profile(artist)
        assert stored is not None and validate_master_schema(stored.master_schema) == []
