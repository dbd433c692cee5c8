"""The profile domain on sets the real parser read: the demo artists and the corpus of real Live Sets."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dawa_pipeline.als import AlsSummary, parse_als
from dawa_pipeline.profile import (
    Fingerprint,
    SummaryRef,
    compute_fingerprint,
    refresh_master_schema,
    render_fingerprint_chart,
    skeleton_master_schema,
    validate_master_schema,
)
from dawa_pipeline.profile.evidence import set_label

ARTIST_ID = "0b7f7d1c-2f4e-4a55-9d59-6a0c6bb1b7d2"


def _refs(summaries: list[AlsSummary]) -> list[SummaryRef]:
    return [
        SummaryRef(
            f"00000000-0000-0000-0000-{i:012d}",
            s.source.sha256[:16],
            s.project_name,
            s.als_stem,
            s.als_filename,
        )
        for i, s in enumerate(summaries)
    ]


def _assert_consistent(name: str, summaries: list[AlsSummary], fingerprint: Fingerprint) -> None:
    """Every statement is backed by sets of this artist, and the refreshed profile is valid."""
    labels = {set_label(s) for s in summaries}
    assert fingerprint.set_count == len(summaries)
    for field, evidence in fingerprint.evidence.items():
        for item in evidence:
            assert item.of == len(summaries), field
            assert 0 < item.count <= len(summaries) and set(item.sets) <= labels, (field, item)
    refreshed = refresh_master_schema(
        skeleton_master_schema(name, ARTIST_ID),
        artist_name=name,
        artist_id=ARTIST_ID,
        fingerprint=fingerprint,
        summary_refs=_refs(summaries),
        now=datetime(2025, 11, 27, tzinfo=UTC),
    )
    assert validate_master_schema(refreshed.master_schema) == []


@pytest.fixture(scope="module")
def demo_artists(demo_sets: dict[str, list[Path]]) -> dict[str, list[AlsSummary]]:
    return {
        artist: [parse_als(path, artist_name=artist) for path in paths] for artist, paths in demo_sets.items()
    }


def test_demo_artists_read_as_their_producers_made_them(demo_artists: dict[str, list[AlsSummary]]) -> None:
    atlas = compute_fingerprint(demo_artists["Nightshift Atlas"])
    marrow = compute_fingerprint(demo_artists["Velvet Marrow"])

    # A four-to-the-floor 909 producer around 124 BPM ...
    assert len(atlas.aggregates.core_bpm_range.cluster_centers) == 1
    assert 120 <= atlas.aggregates.core_bpm_range.cluster_centers[0] <= 130
    assert "909-style kicks in all 6 sets" in atlas.aggregates.drum_palette.kick_character
    # ... and a lo-fi beatmaker whose 170 BPM set is a half-time beat at 85.
    assert len(marrow.aggregates.core_bpm_range.cluster_centers) == 1
    assert marrow.aggregates.core_bpm_range.cluster_centers[0] < 100
    assert marrow.aggregates.core_bpm_range.max == 170.0
    assert any(s.startswith("half- or double-time feel") for s in marrow.aggregates.tempo_tendencies)
    assert "808 bass tracks in all 6 sets" in marrow.aggregates.bass_workflow

    for name, summaries in demo_artists.items():
        _assert_consistent(name, summaries, compute_fingerprint(summaries))


def _corpus() -> Path:
    folder = os.environ.get("DAWA_ALS_CORPUS")
    if not folder:
        pytest.skip("DAWA_ALS_CORPUS is not set")
    return Path(folder)


@pytest.mark.corpus
def test_the_whole_corpus_as_one_artist() -> None:
    summaries = [parse_als(path) for path in sorted(_corpus().glob("*.als"))]
    fingerprint = compute_fingerprint(summaries)

    _assert_consistent("Corpus", summaries, fingerprint)
    assert compute_fingerprint(summaries[::-1]).aggregates == fingerprint.aggregates
    assert render_fingerprint_chart("Corpus", summaries, fingerprint).startswith(b"\x89PNG")


@pytest.mark.corpus
def test_tempo_range_and_meters_match_the_hand_checked_values() -> None:
    corpus = _corpus()
    truth_file = corpus.parent / "ground_truth.json"
    if not truth_file.exists():
        pytest.skip(f"no {truth_file.name} beside the corpus")
    truth = json.loads(truth_file.read_text())["files"]
    summaries = [parse_als(corpus / entry["file"]) for entry in truth]
    aggregates = compute_fingerprint(summaries).aggregates

    tempos = [entry["tempo"] for entry in truth]
    assert (aggregates.core_bpm_range.min, aggregates.core_bpm_range.max) == (
        round(min(tempos), 2),
        round(max(tempos), 2),
    )
    meters = Counter(entry["time_signature"] for entry in truth)
    for meter, count in meters.items():
        if count < 2:
            continue  # one set of several is not reported as a habit
        expected = (
            f"{meter} in all {count} sets"
            if count == len(truth)
            else f"{meter} in {count} of {len(truth)} sets"
        )
        assert expected in aggregates.tempo_tendencies
