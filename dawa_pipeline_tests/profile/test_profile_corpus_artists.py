"""The real corpus as artists: the sets of each source repository (SOURCES.tsv) are one artist, and every
artist with two or more sets gets a fingerprint that keeps the rules: each tempo centre near a set's tempo
(or its half/double), the range the sets' range, plug-ins listed whenever a set has one, and every empty
field explained."""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path

import pytest

from dawa_pipeline.als import AlsSummary, parse_als
from dawa_pipeline.profile import compute_fingerprint
from dawa_pipeline.profile.fingerprint import EVIDENCE_FIELDS
from dawa_pipeline.profile.tempo import CENTRE_TOLERANCE_BPM

pytestmark = pytest.mark.corpus
MAX_STATEMENTS = 13  # the longest field: bass_workflow's fixed statements plus two capped lists


def _artists() -> dict[str, list[AlsSummary]]:
    folder = os.environ.get("DAWA_ALS_CORPUS")
    if not folder:
        pytest.skip("DAWA_ALS_CORPUS is not set")
    corpus = Path(folder)
    files: dict[str, list[str]] = defaultdict(list)
    with (corpus / "SOURCES.tsv").open(newline="") as sources:
        for row in csv.DictReader(sources, delimiter="\t"):
            files[row["repo"]].append(row["local_filename"])
    return {
        repo: [parse_als(corpus / name, artist_name=repo) for name in names]
        for repo, names in sorted(files.items())
        if len(names) >= 2
    }


@pytest.fixture(scope="module")
def artists() -> dict[str, list[AlsSummary]]:
    return _artists()


def test_the_corpus_holds_varied_artists(artists: dict[str, list[AlsSummary]]) -> None:
    assert len(artists) >= 5
    assert any(len({s.overview.tempo for s in sets}) > 3 for sets in artists.values())


def test_every_artist_fingerprint_keeps_the_rules(artists: dict[str, list[AlsSummary]]) -> None:
    for repo, sets in artists.items():
        fingerprint = compute_fingerprint(sets)
        aggregates = fingerprint.aggregates
        tempos = [s.overview.tempo for s in sets]
        readings = [t * factor for t in tempos for factor in (0.5, 1.0, 2.0)]

        bpm = aggregates.core_bpm_range
        assert (bpm.min, bpm.max) == (round(min(tempos), 2), round(max(tempos), 2)), repo
        for centre in bpm.cluster_centers:
            assert min(abs(centre - r) for r in readings) <= CENTRE_TOLERANCE_BPM, (repo, centre)
        for point in fingerprint.tempo_points:
            if point.cluster is not None:
                centre = bpm.cluster_centers[point.cluster]
                assert abs(point.folded_bpm - centre) <= CENTRE_TOLERANCE_BPM + 0.05, (repo, point)
        if not bpm.cluster_centers:
            assert aggregates.tempo_tendencies[0].startswith("no dominant tempo"), repo

        has_plugins = any(s.plugins for s in sets)
        assert bool(aggregates.frequent_plugins_tools) == has_plugins, repo
        for field in EVIDENCE_FIELDS:
            evidence = fingerprint.evidence[field]
            assert (not evidence) == (field in fingerprint.missing_evidence), (repo, field)
            assert len(evidence) <= MAX_STATEMENTS, (repo, field)
