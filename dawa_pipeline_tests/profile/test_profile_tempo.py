"""Tempo centres: 1-3 groups, half- and double-time sets read at the artist's usual tempo."""

from __future__ import annotations

import pytest
from summary_factory import summary

from dawa_pipeline.profile import compute_fingerprint
from dawa_pipeline.profile.tempo import cluster_tempos, fold_tempos


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
    # An 85 BPM sketch in a house catalogue is not a half-time house track.
    assert fold_tempos([124, 125, 85]) == [124, 125, 85]
    assert _bpm_range(124, 125, 124, 85)["cluster_centers"] == [85.0, 124.3]


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
