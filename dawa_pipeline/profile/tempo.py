"""Tempo folding and 1-D clustering for `core_bpm_range.cluster_centers`.

Folding (half- and double-time awareness): a set at 85 BPM among sets at 170 is the same feel written at
half time. Each tempo t may be read as t/2, t or 2t; it is read as the candidate that most of the artist's
sets sit near (within `NEAR_RATIO`), ties going to the faster reading (170 rather than 85, 140 rather than
70). A tempo with no set near its half or double stays as written, so an 85 BPM hip-hop sketch in a house
catalogue stays at 85.

Clustering: exhaustive optimal 1-D k-means on the folded tempos for k = 1..3 (sorted data, every split point,
within-cluster sum of squares from prefix sums). k grows while the next k cuts that sum to at most
`SPLIT_RATIO` of the current one (evenly spread tempos only reach 0.25, separate groups reach far lower)
and every pair of neighbouring centres is at least `MIN_CENTRE_GAP_BPM` apart. Deterministic, no seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

NEAR_RATIO = 0.03
SPLIT_RATIO = 0.2
MIN_CENTRE_GAP_BPM = 8.0
MAX_CLUSTERS = 3


@dataclass(frozen=True)
class TempoClusters:
    """Folded tempos (input order), the centre of each cluster (ascending) and each tempo's cluster."""

    folded: list[float]
    centres: list[float]
    labels: list[int]


def fold_tempos(tempos: Sequence[float]) -> list[float]:
    """Read each tempo at the octave most of the sets share (see the module docstring)."""
    ordered = np.sort(np.asarray(tempos, dtype=float))

    def support(candidate: float) -> int:
        """How many sets sit within NEAR_RATIO of `candidate`."""
        low, high = candidate * (1 - NEAR_RATIO), candidate * (1 + NEAR_RATIO)
        return int(np.searchsorted(ordered, high, side="right") - np.searchsorted(ordered, low, side="left"))

    return [max((tempo / 2.0, tempo, tempo * 2.0), key=lambda c: (support(c), c)) for tempo in tempos]


def _best_partition(values: list[float], k: int) -> tuple[float, list[int]]:
    """Lowest within-cluster sum of squares over every way to cut sorted `values` into k (1-3) runs.

    Cuts only fall between distinct values (an optimal partition never needs to split equal tempos), and all
    candidate cuts are scored at once with numpy; ties go to the earliest cuts.
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    prefix = np.concatenate(([0.0], np.cumsum(x)))
    prefix_sq = np.concatenate(([0.0], np.cumsum(x * x)))

    def sse(start: Any, end: Any) -> Any:
        total = prefix[end] - prefix[start]
        return prefix_sq[end] - prefix_sq[start] - total * total / (end - start)

    cuts = np.flatnonzero(np.diff(x)) + 1
    if k == 1:
        return max(float(sse(0, n)), 0.0), [0, n]
    if k == 2:
        costs = sse(0, cuts) + sse(cuts, n)
        best = int(np.argmin(costs))
        return max(float(costs[best]), 0.0), [0, int(cuts[best]), n]
    first, second = (cuts[i] for i in np.triu_indices(len(cuts), 1))
    costs = sse(0, first) + sse(first, second) + sse(second, n)
    best = int(np.argmin(costs))
    return max(float(costs[best]), 0.0), [0, int(first[best]), int(second[best]), n]


def cluster_tempos(tempos: Sequence[float]) -> TempoClusters:
    """Fold, then choose 1-3 clusters by the rule in the module docstring. Needs at least one tempo."""
    if not tempos:
        raise ValueError("cluster_tempos needs at least one tempo")
    folded = fold_tempos(tempos)
    order = sorted(range(len(folded)), key=lambda i: (folded[i], i))
    values = [folded[i] for i in order]

    cost, bounds = _best_partition(values, 1)
    for k in range(2, min(MAX_CLUSTERS, len(set(values))) + 1):
        next_cost, next_bounds = _best_partition(values, k)
        centres = [sum(values[a:b]) / (b - a) for a, b in pairwise(next_bounds)]
        far_apart = all(hi - lo >= MIN_CENTRE_GAP_BPM for lo, hi in pairwise(centres))
        if not (cost > 0 and next_cost <= SPLIT_RATIO * cost and far_apart):
            break
        cost, bounds = next_cost, next_bounds

    labels = [0] * len(folded)
    centres = []
    for cluster, (a, b) in enumerate(pairwise(bounds)):
        centres.append(round(sum(values[a:b]) / (b - a), 1))
        for position in range(a, b):
            labels[order[position]] = cluster
    return TempoClusters(folded=folded, centres=centres, labels=labels)
