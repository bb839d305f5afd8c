"""The multi-objective ranking at a rung (MOASHA): accuracy up and training time down, together.

MOASHA (Schmucker et al., 2021, "Multi-objective Asynchronous Successive Halving"; Syne
Tune's `MOASHA`) keeps ASHA's rungs and replaces its one-metric ranking with non-dominated
sorting, so the top 1/η that go on are the trials nearest the accuracy–time front rather
than the most accurate alone. Here that is one function, `pareto_ranking`, handed to
`search.scheduling.successive_halving.SuccessiveHalving`: the rung bookkeeping is ASHA's, unchanged.

Each trial is judged on two objectives: its quality so far, as the single-objective ranking
judges it (lowest validation loss, ties by best accuracy: at early rungs the best predictor
of final accuracy, see `search.scheduling.successive_halving`), and its full-run training time projected
from the seconds per epoch it has measured (a trial at a rung has not run its full course;
its time per epoch is what is known, and every trial is projected the same way). Within one
front, ties are broken as NSGA-II does, by crowding distance: trials at the
ends of the front and in sparse stretches of it go first, so the survivors spread along the
front instead of crowding at one end.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from search.schema import dominance_matrix
from search.scheduling.successive_halving import Progress, loss_first

# Orders one trial's progress: lower is better, the first element is the objective the front uses.
Quality = Callable[[Progress], tuple[float, ...]]


def pareto_ranking(recorded: dict[str, Progress], quality: Quality = loss_first) -> dict[str, tuple]:
    """Sort keys (front index, −crowding distance, the rest of `quality`) for the trials at a rung:
    lower is better; `quality`'s second signal breaks what the front and the crowding leave tied."""
    points = {trial_id: _objectives(p, quality) for trial_id, p in recorded.items()}
    fronts = non_dominated_fronts(points)
    keys: dict[str, tuple] = {}
    for index, front in enumerate(fronts):
        crowding = crowding_distances({trial_id: points[trial_id] for trial_id in front})
        keys.update({trial_id: (index, -crowding[trial_id], *quality(recorded[trial_id])[1:]) for trial_id in front})
    return keys


def non_dominated_fronts(points: dict[str, tuple[float, ...]]) -> list[list[str]]:
    """Fronts of points to minimise in every coordinate: the first is the non-dominated set.

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
        ordered = sorted(front, key=lambda trial_id: (front[trial_id][axis], trial_id))
        low, high = front[ordered[0]][axis], front[ordered[-1]][axis]
        distance[ordered[0]] = distance[ordered[-1]] = math.inf
        if high == low or not math.isfinite(high - low):
            continue
        for before, trial_id, after in zip(ordered, ordered[1:], ordered[2:]):
            distance[trial_id] += (front[after][axis] - front[before][axis]) / (high - low)
    return distance


def _objectives(progress: Progress, quality: Quality) -> tuple[float, float]:
    """(quality's first signal, seconds per epoch): both to minimise; unknowns rank worst."""
    return (quality(progress)[0], progress.seconds_per_epoch())


