"""Tempo centres: only where sets gather (zero to three), each within a few BPM of its sets; half- and
double-time sets read at the artist's usual tempo."""

from __future__ import annotations

import numpy as np
import pytest
from summary_factory import summary

from dawa_pipeline.profile import compute_fingerprint
from dawa_pipeline.profile.tempo import CENTRE_TOLERANCE_BPM, cluster_tempos, fold_tempos


def _bpm_range(*tempos: float) -> dict[str, object]:
    sets = [summary(f"set {i}", tempo=t) for i, t in enumerate(tempos)]
    return compute_fingerprint(sets).aggregates.core_bpm_range.model_dump()


@pytest.mark.parametrize(
    ("tempos", "centres"),
    [
        pytest.param([124, 125, 126, 123, 124], [124.4], id="one group"),
        pytest.param([120, 122, 124, 126, 128, 130], [125.0], id="an even spread is one group"),
        pytest.param([124, 125, 124, 140, 141, 140], [124.3, 140.3], id="two groups"),
        pytest.param([124, 125, 140, 141, 174, 172], [124.5, 140.5, 173.0], id="three groups"),
        pytest.param([124, 124, 124, 124, 128], [124.8], id="4 BPM apart is one group"),
        pytest.param([95, 110, 128, 140, 172], [], id="spread tempos: no centre"),
        pytest.param([120, 120, 120, 120, 131], [120.0], id="a set 11 BPM away is no part of the group"),
        pytest.param([100, 105, 110, 115, 120], [105.0, 117.5], id="a ramp: runs within a few BPM"),
    ],
)
def test_cluster_centres(tempos: list[float], centres: list[float]) -> None:
    assert _bpm_range(*tempos) == {"min": min(tempos), "max": max(tempos), "cluster_centers": centres}


def test_half_time_sets_join_the_group_they_sit_under() -> None:
    # 86 and 87 are 172/174 written at half time: one group, min/max stay as written.
    assert _bpm_range(172, 174, 86, 87, 174) == {"min": 86.0, "max": 174.0, "cluster_centers": [173.2]}


def test_double_time_sets_join_a_slower_majority() -> None:
    assert fold_tempos([70, 70, 70, 140]) == [70, 70, 70, 70]
    assert fold_tempos([90, 92, 90, 180]) == [90, 92, 90, 90]
    assert _bpm_range(90, 92, 90, 180) == {"min": 90.0, "max": 180.0, "cluster_centers": [90.5]}


def test_a_tempo_without_a_half_or_double_partner_stays_as_written() -> None:
    # An 85 BPM sketch in a house catalogue is not a half-time house track, and one set is no centre
    # (before, every lone set became a centre of its own).
    assert fold_tempos([124, 125, 85]) == [124, 125, 85]
    assert _bpm_range(124, 125, 124, 85)["cluster_centers"] == [124.3]


def test_half_time_pairs_make_one_centre_at_the_faster_reading() -> None:
    assert _bpm_range(85, 170, 86, 172)["cluster_centers"] == [171.0]


def test_without_a_centre_the_tendencies_say_so_and_list_the_tempos() -> None:
    sets = [summary(f"set {i}", tempo=t) for i, t in enumerate([95, 110, 128, 140, 172])]
    fingerprint = compute_fingerprint(sets)
    assert fingerprint.aggregates.core_bpm_range.model_dump() == {
        "min": 95,
        "max": 172,
        "cluster_centers": [],
    }
    assert fingerprint.aggregates.tempo_tendencies[:2] == [
        "no dominant tempo: 95-172 BPM over 5 sets",
        "tempos as written: 95, 110, 128, 140, 172 BPM",
    ]
    assert fingerprint.missing_evidence["core_bpm_range.cluster_centers"] == (
        "no 2 sets within 5 BPM of a common centre, half/double time folded (95-172 BPM over 5 sets)"
    )
    assert all(point.cluster is None for point in fingerprint.tempo_points)


def test_two_centres_are_described_with_their_sets() -> None:
    sets = [summary(f"set {i}", tempo=t) for i, t in enumerate([124, 125, 124, 140, 141, 98])]
    assert compute_fingerprint(sets).aggregates.tempo_tendencies[:3] == [
        "around 124.3 BPM in 3 of 6 sets (124-125 BPM)",
        "around 140.5 BPM in 2 of 6 sets (140-141 BPM)",
        "away from the centres in 1 of 6 sets: 98 BPM",
    ]


@pytest.mark.parametrize("seed", range(20))
def test_every_centre_is_within_the_tolerance_of_each_of_its_sets(seed: int) -> None:
    tempos = [float(t) for t in np.random.default_rng(seed).integers(80, 180, size=12)]
    clusters = cluster_tempos(tempos)
    for folded, label in zip(clusters.folded, clusters.labels, strict=True):
        if label is not None:
            assert abs(folded - clusters.centres[label]) <= CENTRE_TOLERANCE_BPM + 0.05
    assert all(clusters.labels.count(k) >= 2 for k in range(len(clusters.centres)))


def test_ties_read_at_the_faster_tempo() -> None:
    assert fold_tempos([85, 85, 170, 170]) == [170, 170, 170, 170]
    assert fold_tempos([70, 70, 140, 140]) == [140, 140, 140, 140]


def test_labels_follow_input_order() -> None:
    clusters = cluster_tempos([140, 124, 141, 125])
    assert clusters.centres == [124.5, 140.5]
    assert clusters.labels == [1, 0, 1, 0]


def test_clustering_needs_a_tempo() -> None:
    with pytest.raises(ValueError, match="at least one tempo"):
        cluster_tempos([])
