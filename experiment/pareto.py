"""The Pareto math, in one place: dominance, non-dominated fronts, crowding and hypervolume.

Points are tuples (or array rows) of coordinates to minimise — accuracy enters as its negative.
Used by the MOASHA ranking at a rung (`search.scheduling.moasha`), the report's front
(`reports.pareto`) and the benchmarks that score a front by its hypervolume.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """`a` no worse anywhere and better somewhere."""
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def dominance_matrix(points: np.ndarray) -> np.ndarray:
    """`dominates` for every pair of rows at once: [i, j] is True where row i dominates row j."""
    no_worse = (points[:, None, :] <= points[None, :, :]).all(axis=2)
    better = (points[:, None, :] < points[None, :, :]).any(axis=2)
    return no_worse & better


def non_dominated(points: np.ndarray) -> np.ndarray:
    """A mask of the rows no other row dominates (exact duplicates do not dominate each other)."""
    if len(points) == 0:
        return np.zeros(0, dtype=bool)
    return ~dominance_matrix(points).any(axis=0)


def non_dominated_fronts(points: dict[str, tuple[float, ...]]) -> list[list[str]]:
    """Fronts of points: the first is the non-dominated set, the next what is left without it, …

    Deb's fast non-dominated sort: every pair compared once (in numpy), then fronts peeled by
    counting dominators, so a rung of hundreds of trials ranks in milliseconds."""
    ids = list(points)
    if not ids:
        return []
    dominated_by = dominance_matrix(np.array([points[i] for i in ids], dtype=float).reshape(len(ids), -1))
    dominators = dominated_by.sum(axis=0)
    remaining = np.ones(len(ids), dtype=bool)
    fronts = []
    while remaining.any():
        front = remaining & (dominators == 0)
        fronts.append(sorted(ids[i] for i in np.flatnonzero(front)))
        remaining &= ~front
        dominators = dominators - dominated_by[front].sum(axis=0)
    return fronts


def crowding_distances(front: dict[str, tuple[float, ...]]) -> dict[str, float]:
    """NSGA-II crowding distance of each point within its front (ends of each objective: infinite)."""
    distance = dict.fromkeys(front, 0.0)
    if len(front) <= 2:
        return dict.fromkeys(front, math.inf)
    for axis in range(len(next(iter(front.values())))):
        ordered = sorted(front, key=lambda key: (front[key][axis], key))
        low, high = front[ordered[0]][axis], front[ordered[-1]][axis]
        distance[ordered[0]] = distance[ordered[-1]] = math.inf
        if high == low or not math.isfinite(high - low):
            continue
        for before, key, after in zip(ordered, ordered[1:], ordered[2:]):
            distance[key] += (front[after][axis] - front[before][axis]) / (high - low)
    return distance


def hypervolume(points: Iterable[tuple[float, float]], reference_acc: float, reference_s: float) -> float:
    """Area dominated by (seconds ↓, accuracy ↑) points above `reference_acc` and left of
    `reference_s`: the sum of `hypervolume_strips`."""
    return sum(hypervolume_strips(points, reference_acc, reference_s).values())


def hypervolume_strips(points: Iterable[tuple[float, float]], reference_acc: float,
                       reference_s: float) -> dict[int, float]:
    """Point index → the strip of the hypervolume it adds (a 2-D sweep, fastest first: each point
    adds (its accuracy − the best before it) × (`reference_s` − its seconds)); only the points that
    add one. Says which points the area is made of."""
    strips, best = {}, reference_acc
    for index, (seconds, accuracy) in sorted(enumerate(points), key=lambda item: item[1]):
        if accuracy > best and seconds < reference_s:
            strips[index] = (accuracy - best) * (reference_s - seconds)
            best = accuracy
    return strips
