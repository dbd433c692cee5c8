"""Master schema: refresh touches only computed parts, validation names paths, import merges by hand."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from summary_factory import plugin, summary

from dawa_pipeline.profile import (
    Fingerprint,
    MasterSchemaError,
    SchemaProblem,
    SummaryRef,
    compute_fingerprint,
    merge_hand_written,
    refresh_master_schema,
    skeleton_master_schema,
    validate_master_schema,
)

ARTIST_ID = "6f1c1b1e-5d2a-4c1e-9a53-3f1f1f7a0b11"
NOW = datetime(2025, 11, 27, 10, 30, tzinfo=UTC)
COMPUTED_TOP = ("uuids", "daw_fingerprint_aggregates", "provenance")

REFS = [
    SummaryRef(
        "11111111-0000-0000-0000-000000000001", "p-aaa", "Night Drive", "Night Drive v3", "Night Drive v3.als"
    ),
    SummaryRef(
        "11111111-0000-0000-0000-000000000002", "p-bbb", "Low Tide", "low_tide_final", "low_tide_final.als"
    ),
    SummaryRef("11111111-0000-0000-0000-000000000003", "p-ccc", None, "Glass", "Glass.als"),
]


def _work(work_id: str, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "work_id": work_id,
        "title": title,
        "primary_artist": "Kiln Theory",
        "release_role": "original",
        "tempo_bpm": 174,
        "key_center": "A minor",
        "energy_arc": "slow build to a rolling drop",
        "core_tags": ["liquid", "rolling"],
        "mood_profile": ["nocturnal"],
        "sync_notes": ["clean intro for dialogue"],
        **extra,
    }


def _rich_profile() -> dict[str, Any]:
    """A profile people have written by hand, including keys the seed does not name."""
    return {
        "schema_version": "1.0",
        "uuids": {"name": "Kiln Theory", "artist_id": ARTIST_ID},
        "artist": {
            "name": "Kiln Theory",
            "origin": {"city": "Berlin", "country": "Germany"},
            "members": ["Ada Brandt", "Jonas Vey"],
            "brand_narrative": {"tone": ["warm", "restless"], "description": "Night drives, made audible."},
            "core_identities": {
                "tempo_center": "172-174 BPM, half-time breaks",
                "energy_profile": ["rolling", "patient"],
                "primary_genre_space": ["liquid drum & bass"],
                "secondary_spaces": ["halftime"],
                "melodic_character": ["minor pads", "dorian leads"],
                "sound_design_signature": ["reese basses"],
                "sync_pitch_identity": ["car ads at night"],
            },
        },
        "catalog": [
            _work("w1", "Night Drive"),
            _work("w2", "Low-Tide"),
            _work("w3", "Unreleased Sketch", daw_summary_id="hand-linked-id"),
            _work("w4", "Glass (Kiln Remix)", release_role="remix", remixer="Kiln Theory", label="Hyperion"),
        ],
        "semantic_views": {
            "by_mood": {
                "late night": {
                    "description": "after-hours",
                    "typical_elements": ["pads"],
                    "suitable_for": ["drives"],
                }
            },
            "by_usage": {"trailer": {"description": "builds", "features": ["risers"]}},
            "by_energy_arc": {"slow_burn": {"description": "patient", "structure_traits": ["long intro"]}},
        },
        "creative_policy": {
            "keep_foreground": ["bass movement"],
            "no_go_zones": ["EDM risers"],
            "production_guides": ["leave 3 dB headroom"],
            "sync_specific_notes": ["stems on request"],
        },
        "front_end_notes": {"pinned": True},
        "daw_fingerprint_aggregates": {"stale": "from an old parser"},
        "provenance": {
            "last_refreshed": "2025-01-01T00:00:00+00:00",
            "sources": {"daw": ["old/set.als@p-000"], "metadata_provided": ["label one-sheet 2024"]},
        },
    }


def _fingerprint() -> Fingerprint:
    return compute_fingerprint(
        [
            summary("Night Drive v3", project="Night Drive", tempo=174, plugins=[plugin("Serum", "Lead")]),
            summary("low_tide_final", project="Low Tide", tempo=87),
        ]
    )


def _refresh(current: dict[str, Any], **overrides: Any) -> Any:
    arguments = {
        "artist_name": "Kiln Theory",
        "artist_id": ARTIST_ID,
        "fingerprint": _fingerprint(),
        "summary_refs": REFS,
        "now": NOW,
    } | overrides
    return refresh_master_schema(current, **arguments)


def _dumped(value: object) -> str:
    """Key order counts: compare the JSON text, not just the values."""
    return json.dumps(value, ensure_ascii=False)


# --- refresh -------------------------------------------------------------------------------------


def test_refresh_of_a_skeleton_fills_the_computed_parts() -> None:
    result = _refresh(skeleton_master_schema("Kiln Theory", ARTIST_ID))

    assert result.changed
    doc = result.master_schema
    assert list(doc) == ["schema_version", "uuids", "artist", "daw_fingerprint_aggregates", "provenance"]
    assert doc["artist"] == {"name": "Kiln Theory"}
    assert doc["daw_fingerprint_aggregates"] == _fingerprint().aggregates.model_dump(mode="json")
    assert doc["provenance"] == {
        "last_refreshed": "2025-11-27T10:30:00+00:00",
        "sources": {
            "daw": [
                "Glass.als@p-ccc",
                "Low Tide/low_tide_final.als@p-bbb",
                "Night Drive/Night Drive v3.als@p-aaa",
            ],
            "metadata_provided": [],
        },
    }
    assert validate_master_schema(doc) == []


def test_refresh_of_an_empty_row_creates_the_skeleton() -> None:
    doc = _refresh({}).master_schema
    assert doc["schema_version"] == "1.0"
    assert doc["uuids"] == {"name": "Kiln Theory", "artist_id": ARTIST_ID}
    assert doc["artist"] == {"name": "Kiln Theory"}
    assert validate_master_schema(doc) == []


def test_refresh_keeps_every_hand_written_field_and_replaces_the_computed_ones() -> None:
    current = _rich_profile()
    untouched = copy.deepcopy(current)

    doc = _refresh(current).master_schema

    assert current == untouched, "the stored document must not be modified in place"
    assert list(doc) == list(untouched)
    for key in untouched:
        if key not in (*COMPUTED_TOP, "catalog"):
            assert _dumped(doc[key]) == _dumped(untouched[key]), key
    for old_work, new_work in zip(untouched["catalog"], doc["catalog"], strict=True):
        assert _dumped({k: v for k, v in new_work.items() if k != "daw_summary_id"}) == _dumped(
            {k: v for k, v in old_work.items() if k != "daw_summary_id"}
        )
    assert doc["provenance"]["sources"]["metadata_provided"] == ["label one-sheet 2024"]
    assert doc["provenance"]["sources"]["daw"] == [
        ref.source_label for ref in sorted(REFS, key=lambda r: r.source_label)
    ]
    assert doc["provenance"]["last_refreshed"] == "2025-11-27T10:30:00+00:00"
    assert doc["daw_fingerprint_aggregates"] == _fingerprint().aggregates.model_dump(mode="json")
    assert validate_master_schema(doc) == []


def test_a_second_refresh_with_the_same_inputs_changes_nothing() -> None:
    first = _refresh(_rich_profile()).master_schema
    second = _refresh(first, now=NOW + timedelta(days=1), summary_refs=list(reversed(REFS)))

    assert not second.changed
    assert _dumped(second.master_schema) == _dumped(first)


def test_a_new_fingerprint_bumps_last_refreshed() -> None:
    first = _refresh(_rich_profile()).master_schema
    later = NOW + timedelta(hours=5)
    fingerprint = compute_fingerprint([summary("Night Drive v3", project="Night Drive", tempo=170)])

    second = _refresh(first, now=later, fingerprint=fingerprint)

    assert second.changed
    assert second.master_schema["provenance"]["last_refreshed"] == "2025-11-27T15:30:00+00:00"
    assert second.master_schema["daw_fingerprint_aggregates"]["core_bpm_range"]["cluster_centers"] == [170.0]


def test_catalog_works_link_to_the_summary_their_title_names() -> None:
    catalog = _refresh(_rich_profile()).master_schema["catalog"]
    links = {work["title"]: work.get("daw_summary_id") for work in catalog}
    assert links == {
        "Night Drive": REFS[0].summary_id,  # project name, case and spacing ignored
        "Low-Tide": REFS[1].summary_id,  # project "Low Tide", punctuation ignored
        "Unreleased Sketch": "hand-linked-id",  # no set of that name: the hand-set link stays
        "Glass (Kiln Remix)": None,  # a remix title does not name the set "Glass"
    }


def test_a_set_name_wins_over_a_project_name_and_ambiguity_resolves_stably() -> None:
    refs = [
        SummaryRef("id-b", "p1", "Alpha", "Night Drive", "Night Drive.als"),
        SummaryRef("id-a", "p2", "Beta", "Night Drive", "Night Drive.als"),
        SummaryRef("id-c", "p3", "Night Drive", "Intro idea", "Intro idea.als"),
    ]
    profile = skeleton_master_schema("Kiln Theory", ARTIST_ID) | {"catalog": [_work("w1", "Night Drive")]}

    linked = _refresh(profile, summary_refs=refs).master_schema["catalog"][0]["daw_summary_id"]
    assert linked == "id-a"  # two sets named so: the first by id
    profile["catalog"][0]["daw_summary_id"] = "id-b"
    assert _refresh(profile, summary_refs=refs).master_schema["catalog"][0]["daw_summary_id"] == "id-b"


def test_refresh_refuses_another_artists_profile_and_broken_documents() -> None:
    with pytest.raises(MasterSchemaError, match="belongs to artist_id"):
        _refresh(_rich_profile(), artist_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(MasterSchemaError, match="'artist' must be an object"):
        _refresh({"artist": "Kiln Theory"})
    with pytest.raises(MasterSchemaError, match="must be a JSON object"):
        _refresh(["not", "a", "profile"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        _refresh({}, now=datetime(2025, 1, 1))


# --- validation ----------------------------------------------------------------------------------


def test_valid_documents_have_no_problems() -> None:
    assert validate_master_schema(skeleton_master_schema("Kiln Theory", ARTIST_ID)) == []
    rich = _rich_profile()
    del rich["daw_fingerprint_aggregates"]  # stale shape; refreshed profiles are checked above
    assert validate_master_schema(rich) == []


def _with(change: Any) -> dict[str, Any]:
    doc = _rich_profile()
    del doc["daw_fingerprint_aggregates"]
    change(doc)
    return doc


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d["catalog"][2].update(tempo_bpm="fast"), "catalog[2].tempo_bpm", "valid number"),
        (lambda d: d["catalog"][1].update(tempo_bpm=True), "catalog[1].tempo_bpm", "valid number"),
        (lambda d: d["artist"]["origin"].update(city=42), "artist.origin.city", "valid string"),
        (
            lambda d: d["artist"]["origin"].pop("country"),
            "artist.origin.country",
            "required field is missing",
        ),
        (
            lambda d: d["catalog"][0].update(release_role="cover"),
            "catalog[0].release_role",
            "'original' or 'remix'",
        ),
        (lambda d: d["catalog"][3].update(remixer=7), "catalog[3].remixer", "valid string"),
        (
            lambda d: d["semantic_views"]["by_mood"]["late night"].update(typical_elements="pads"),
            "semantic_views.by_mood['late night'].typical_elements",
            "valid list",
        ),
        (lambda d: d["artist"]["members"].append(None), "artist.members[2]", "valid string"),
        (lambda d: d["artist"].pop("name"), "artist.name", "required field is missing"),
        (lambda d: d.pop("uuids"), "uuids", "required field is missing"),
        (lambda d: d["uuids"].update(artist_id="kiln"), "uuids.artist_id", "must be a UUID"),
        (lambda d: d["catalog"][1].update(work_id="w1"), "catalog[1].work_id", "duplicates catalog[0]"),
        (
            lambda d: d["provenance"].update(last_refreshed="yesterday"),
            "provenance.last_refreshed",
            "ISO 8601",
        ),
        (lambda d: d.update(creative_policy=["no"]), "creative_policy", "valid dictionary"),
        (
            lambda d: d.update(daw_fingerprint_aggregates={"bass_workflow": []}),
            "daw_fingerprint_aggregates.core_bpm_range",
            "required field is missing",
        ),
    ],
)
def test_wrong_shapes_are_reported_at_their_path(change: Any, path: str, message: str) -> None:
    problems = validate_master_schema(_with(change))
    assert path in [p.path for p in problems], problems
    assert any(p.path == path and message in p.message for p in problems), problems


def test_every_problem_is_reported_not_just_the_first() -> None:
    def break_three(doc: dict[str, Any]) -> None:
        doc["catalog"][2]["tempo_bpm"] = "fast"
        doc["artist"]["origin"]["city"] = 42
        doc["schema_version"] = 1

    assert [p.path for p in validate_master_schema(_with(break_three))] == [
        "schema_version",
        "artist.origin.city",
        "catalog[2].tempo_bpm",
    ]


def test_computed_sections_reject_unknown_keys_hand_written_ones_allow_them() -> None:
    problems = validate_master_schema(_rich_profile())  # carries {"stale": ...} aggregates
    assert (
        SchemaProblem("daw_fingerprint_aggregates.stale", "unknown field in a computed section") in problems
    )
    assert not [p for p in problems if p.path.startswith("front_end_notes")]


def test_a_document_that_is_not_an_object() -> None:
    assert validate_master_schema([1, 2]) == [SchemaProblem("(document)", "must be a JSON object (got list)")]


# --- import of hand-written parts ----------------------------------------------------------------


def test_merge_takes_hand_written_parts_and_keeps_computed_ones() -> None:
    current = _refresh(_rich_profile()).master_schema
    incoming = copy.deepcopy(current)
    incoming["artist"]["origin"]["city"] = "Leipzig"
    incoming["artist"]["members"] = ["Ada Brandt", "Mira Ko"]
    incoming["catalog"][0]["tempo_bpm"] = 172
    for work in incoming["catalog"]:
        work.pop("daw_summary_id", None)  # an export edited by hand, links dropped
    incoming["catalog"].append(_work("w5", "Night Drive (VIP)"))
    del incoming["catalog"][3]
    incoming["creative_policy"]["no_go_zones"] = []
    incoming["uuids"]["name"] = "Someone Else"
    incoming["daw_fingerprint_aggregates"]["bass_workflow"] = ["made up"]
    incoming["provenance"]["sources"]["daw"] = []
    incoming["provenance"]["last_refreshed"] = "2030-01-01T00:00:00+00:00"
    incoming["provenance"]["sources"]["metadata_provided"] = ["press kit 2025"]

    result = merge_hand_written(current, incoming)

    doc = result.master_schema
    for key in ("uuids", "daw_fingerprint_aggregates"):
        assert doc[key] == current[key]
    assert doc["provenance"] == {
        "last_refreshed": current["provenance"]["last_refreshed"],
        "sources": {"daw": current["provenance"]["sources"]["daw"], "metadata_provided": ["press kit 2025"]},
    }
    assert [w.get("daw_summary_id") for w in doc["catalog"]] == [
        REFS[0].summary_id,
        REFS[1].summary_id,
        "hand-linked-id",
        None,
    ]
    assert result.changes == [
        "artist.origin.city: 'Berlin' -> 'Leipzig'",
        "artist.members: +'Mira Ko', -'Jonas Vey'",
        "catalog: +1 work 'Night Drive (VIP)'",
        "catalog: -1 work 'Glass (Kiln Remix)'",
        "catalog['Night Drive'].tempo_bpm: 174 -> 172",
        "creative_policy.no_go_zones: -'EDM risers'",
        "provenance.sources.metadata_provided: +'press kit 2025', -'label one-sheet 2024'",
    ]
    assert validate_master_schema(doc) == []


def test_merging_the_same_document_reports_no_changes() -> None:
    current = _refresh(_rich_profile()).master_schema
    result = merge_hand_written(current, copy.deepcopy(current))
    assert result.changes == []
    assert _dumped(result.master_schema) == _dumped(current)


def test_merge_reports_added_and_removed_sections() -> None:
    current = _refresh(skeleton_master_schema("Kiln Theory", ARTIST_ID)).master_schema
    incoming = copy.deepcopy(current)
    incoming["artist"]["origin"] = {"city": "Leipzig", "country": "Germany"}
    incoming["semantic_views"] = {"by_mood": {}, "by_usage": {}, "by_energy_arc": {}}
    result = merge_hand_written(current, incoming)
    assert result.changes == [
        "artist.origin: added {'city': 'Leipzig', 'country': 'Germany'}",
        "semantic_views: added {'by_mood': {}, 'by_usage': {}, 'by_energy_arc': {}}",
    ]
    back = merge_hand_written(result.master_schema, current)
    assert back.changes == [
        "artist.origin: removed (was {'city': 'Leipzig', 'country': 'Germany'})",
        "semantic_views: removed (was {'by_mood': {}, 'by_usage': {}, 'by_energy_arc': {}})",
    ]


def test_merge_refuses_another_artists_profile() -> None:
    current = _refresh(_rich_profile()).master_schema
    incoming = copy.deepcopy(current)
    incoming["uuids"]["artist_id"] = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(MasterSchemaError, match="imported master schema belongs to artist_id"):
        merge_hand_written(current, incoming)
