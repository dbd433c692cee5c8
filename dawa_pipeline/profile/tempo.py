"""Tempo folding and clustering for `core_bpm_range.cluster_centers`.

Folding (half- and double-time awareness): a set at 85 BPM among sets at 170 is the same feel written at
half time. Each tempo t may be read as t/2, t or 2t; it is read as the candidate that most of the artist's
sets sit near (within `NEAR_RATIO`), ties going to the faster reading (170 rather than 85, 140 rather than
70). A tempo with no set near its half or double stays as written, so an 85 BPM hip-hop sketch in a house
catalogue stays at 85.

Clustering: a centre is only reported where sets really gather. On the folded tempos, sorted, the largest
run of sets whose mean lies within `CENTRE_TOLERANCE_BPM` of every one of them becomes a cluster (ties: the
tighter run, then the slower); the next cluster is sought among the sets left, never across a cluster taken,
until no run of `min_sets` sets is left or `MAX_CLUSTERS` are found. A cluster needs two sets (one, for an
artist with a single set), so the number of clusters comes from the data and may be zero: five sets spread
over 95-172 BPM have no centre. Deterministic, no seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

NEAR_RATIO = 0.03
CENTRE_TOLERANCE_BPM = 5.0
MIN_CLUSTER_SETS = 2
MAX_CLUSTERS = 3


@dataclass(frozen=True)
class TempoClusters:
    """Folded tempos (input order), cluster centres (ascending) and each tempo's cluster (None: in none)."""

    folded: list[float]
    centres: list[float]
    labels: list[int | None]


def fold_tempos(tempos: Sequence[float]) -> list[float]:
    """Read each tempo at the octave most of the sets share (see the module docstring)."""
    ordered = np.sort(np.asarray(tempos, dtype=float))

    def support(candidate: float) -> int:
        """How many sets sit within NEAR_RATIO of `candidate`."""
        low, high = candidate * (1 - NEAR_RATIO), candidate * (1 + NEAR_RATIO)
        return int(np.searchsorted(ordered, high, side="right") - np.searchsorted(ordered, low, side="left"))

    return [max((tempo / 2.0, tempo, tempo * 2.0), key=lambda c: (support(c), c)) for tempo in tempos]


def _best_run(values: Sequence[float], taken: Sequence[bool], min_sets: int) -> tuple[int, int] | None:
    """[start, end) of the largest run of untaken sorted values whose mean is within the tolerance of each."""
    prefix = np.concatenate(([0.0], np.cumsum(values)))
    best: tuple[tuple[int, float, float], tuple[int, int]] | None = None
    for start in range(len(values)):
        end = start
        while end < len(values) and not taken[end]:
            end += 1
            if values[end - 1] - values[start] > 2 * CENTRE_TOLERANCE_BPM:
                break
            size = end - start
            mean = (prefix[end] - prefix[start]) / size
            spread = max(mean - values[start], values[end - 1] - mean)
            if size >= min_sets and spread <= CENTRE_TOLERANCE_BPM:
                rank = (-size, spread, values[start])
                if best is None or rank < best[0]:
                    best = (rank, (start, end))
    return None if best is None else best[1]


def cluster_tempos(tempos: Sequence[float]) -> TempoClusters:
    """Fold, then find the clusters by the rule in the module docstring. Needs at least one tempo."""
    if not tempos:
        raise ValueError("cluster_tempos needs at least one tempo")
    folded = fold_tempos(tempos)
    order = sorted(range(len(folded)), key=lambda i: (folded[i], i))
    values = [folded[i] for i in order]
    min_sets = min(MIN_CLUSTER_SETS, len(values))
    taken = [False] * len(values)
    runs: list[tuple[int, int]] = []
    while len(runs) < MAX_CLUSTERS and (run := _best_run(values, taken, min_sets)) is not None:
        runs.append(run)
        taken[run[0] : run[1]] = [True] * (run[1] - run[0])

    labels: list[int | None] = [None] * len(folded)
    centres = []
    for cluster, (a, b) in enumerate(sorted(runs)):
        centres.append(round(sum(values[a:b]) / (b - a), 1))
        for position in range(a, b):
            labels[order[position]] = cluster
    return TempoClusters(folded=folded, centres=centres, labels=labels)
