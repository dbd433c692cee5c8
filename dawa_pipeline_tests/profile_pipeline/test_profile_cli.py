"""`dawa profile export` / `import`: a round trip through a JSON file edits the hand-written parts, shows
what changed and never touches the computed parts; bad files exit 2 naming the paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dawa_pipeline.cli import main

ARTIST, SLUG = "Velvet Marrow", "velvet-marrow"


@pytest.fixture
def refreshed(pipeline, demo_sets, dawa_home):
    """An artist whose profile the pipeline has refreshed once; the CLI uses the same database."""
    pipeline.ingest(ARTIST, demo_sets[ARTIST][:1])
    pipeline.refresh(SLUG)
    return pipeline


def _export(capsys: pytest.CaptureFixture[str], artist: str = ARTIST) -> dict[str, Any]:
    assert main(["profile", "export", artist]) == 0
    return json.loads(capsys.readouterr().out)


def _import(
    capsys: pytest.CaptureFixture[str], path: Path, doc: object, artist: str = ARTIST
) -> tuple[int, str, str]:
    path.write_text(json.dumps(doc), encoding="utf-8")
    code = main(["profile", "import", artist, str(path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_import_round_trip_shows_changes_and_keeps_computed_parts(refreshed, capsys, tmp_path):
    exported = _export(capsys)
    assert exported == refreshed.profile(ARTIST).master_schema
    assert _export(capsys, SLUG) == exported
    computed = {k: exported[k] for k in ("uuids", "daw_fingerprint_aggregates")}

    edited = json.loads(json.dumps(exported))
    edited["artist"]["origin"] = {"city": "Leipzig", "country": "DE"}
    edited["daw_fingerprint_aggregates"]["core_bpm_range"]["min"] = 1.0  # computed: ignored
    edited["provenance"]["sources"]["metadata_provided"] = ["press kit"]
    code, out, _ = _import(capsys, tmp_path / "profile.json", edited)
    assert code == 0
    assert out.splitlines() == [
        "artist.origin: added {'city': 'Leipzig', 'country': 'DE'}",
        "provenance.sources.metadata_provided: +'press kit'",
    ]

    edited["artist"]["origin"]["city"] = "Berlin"
    code, out, _ = _import(capsys, tmp_path / "profile.json", edited)
    assert code == 0
    assert out.splitlines() == ["artist.origin.city: 'Leipzig' -> 'Berlin'"]

    stored = _export(capsys)
    assert stored["artist"]["origin"] == {"city": "Berlin", "country": "DE"}
    assert {k: stored[k] for k in computed} == computed
    assert stored["provenance"]["last_refreshed"] == exported["provenance"]["last_refreshed"]

    before = refreshed.profile(ARTIST)
    code, out, _ = _import(capsys, tmp_path / "profile.json", stored)
    assert (code, out) == (0, f"{ARTIST}: no changes\n")
    assert refreshed.profile(ARTIST).updated_at == before.updated_at


def test_an_invalid_profile_exits_2_naming_each_path_and_changes_nothing(refreshed, capsys, tmp_path):
    exported = _export(capsys)
    bad = json.loads(json.dumps(exported))
    bad["artist"]["members"] = "Ines"
    bad["catalog"] = [{"work_id": "w-1", "title": "Night Bus", "tempo_bpm": "fast"}]
    path = tmp_path / "bad.json"

    code, out, err = _import(capsys, path, bad)

    assert code == 2 and out == ""
    lines = err.splitlines()
    assert all(line.startswith(f"error: {path}: ") for line in lines)
    paths = {line.removeprefix(f"error: {path}: ").split(":")[0] for line in lines}
    assert {"artist.members", "catalog[0].tempo_bpm", "catalog[0].primary_artist"} <= paths
    assert refreshed.profile(ARTIST).master_schema == exported


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"uuids": {"artist_id": "other"}}', "belongs to"),
        ('{"artist": {"name": "Velvet\\u0000Marrow"}}', "NUL character"),
        ('{"catalog": NaN}', "NaN is not a number"),
        ('{"catalog": -Infinity}', "-Infinity is not a number"),
        ('{"catalog": 1e400}', "too large"),
        ('{"artist": {"name": "\\ud800"}}', "lone surrogate"),
        ('{"a": ' + "[" * 200_000 + "]" * 200_000 + "}", "nested deeper than 64 levels"),
        ('{"description": "' + "x" * 6_000_000 + '"}', "the limit is 5,242,880"),
    ],
    ids=["not-json", "array", "other-artist", "nul", "nan", "infinity", "1e400", "surrogate", "deep", "huge"],
)
def test_unusable_files_exit_2_with_one_error_line(refreshed, capsys, tmp_path, content, message):
    before = refreshed.profile(ARTIST).master_schema
    path = tmp_path / "profile.json"
    path.write_text(content, encoding="utf-8")
    assert main(["profile", "import", ARTIST, str(path)]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith(f"error: {path}") and message in line
    assert refreshed.profile(ARTIST).master_schema == before


@pytest.mark.parametrize("tempo", [-5, 1e30, 19.5, 1000])
def test_a_tempo_outside_lives_range_is_refused(refreshed, capsys, tmp_path, tempo):
    doc = _export(capsys)
    work = {
        "work_id": "w-1",
        "title": "Night Bus",
        "primary_artist": ARTIST,
        "release_role": "original",
        "tempo_bpm": tempo,
        "key_center": "A minor",
        "energy_arc": "slow build",
        "core_tags": [],
        "mood_profile": [],
        "sync_notes": [],
    }
    code, out, err = _import(capsys, tmp_path / "tempo.json", {**doc, "catalog": [work]})
    assert (code, out) == (2, "")
    problem = f"catalog[0].tempo_bpm: must be between 20 and 999 BPM (got {tempo:g})"
    assert err.splitlines() == [f"error: {tmp_path / 'tempo.json'}: {problem}"]
    assert refreshed.profile(ARTIST).master_schema == doc


def test_unknown_artist_and_missing_profile_are_usage_errors(refreshed, capsys):
    assert main(["profile", "export", "Nobody"]) == 2
    assert capsys.readouterr().err == "error: no artist named 'Nobody' (or with that slug)\n"
    refreshed.artist("Fresh Face")
    assert main(["profile", "export", "Fresh Face"]) == 2
    assert "no profile yet" in capsys.readouterr().err


def test_import_creates_the_profile_of_an_artist_without_one(pipeline, dawa_home, capsys, tmp_path):
    artist = pipeline.artist("Fresh Face")
    doc = {"schema_version": "1.0", "artist": {"name": "Fresh Face", "members": ["Ada"]}}
    code, out, _ = _import(capsys, tmp_path / "new.json", doc, "Fresh Face")
    assert code == 0 and "artist.members: added ['Ada']" in out.splitlines()
    stored = pipeline.profile("Fresh Face")
    assert stored.name == "Fresh Face"
    assert stored.master_schema["uuids"] == {"name": "Fresh Face", "artist_id": str(artist.id)}
    assert stored.master_schema["artist"]["members"] == ["Ada"]
