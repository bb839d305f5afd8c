"""The Pareto math on numbers written by hand and against its definition on random points."""

from __future__ import annotations

import math
import random

import numpy as np

from experiment.pareto import crowding_distances, dominates, hypervolume, non_dominated, non_dominated_fronts


def test_fronts_peel_off_in_order():
    points = {"a": (1, 5), "b": (2, 2), "c": (5, 1), "d": (3, 3), "e": (6, 6)}
    assert non_dominated_fronts(points) == [["a", "b", "c"], ["d"], ["e"]]


def test_equal_points_share_a_front():
    assert non_dominated_fronts({"a": (1, 1), "b": (1, 1)}) == [["a", "b"]]


def test_crowding_keeps_the_ends_and_prefers_sparse_stretches():
    front = {"fast": (0.0, 10.0), "near_fast": (1.0, 9.0), "middle": (5.0, 5.0), "accurate": (10.0, 0.0)}
    distance = crowding_distances(front)
    assert distance["fast"] == distance["accurate"] == math.inf
    # near_fast: (5-0)/10 + (10-5)/10 = 1.0; middle: (10-1)/10 + (9-0)/10 = 1.8
    assert math.isclose(distance["near_fast"], 1.0) and math.isclose(distance["middle"], 1.8)


def test_fast_fronts_equal_the_definition_on_random_points_with_ties_and_infinities():
    def by_definition(points):  # each front: the points no remaining point dominates
        remaining, fronts = dict(points), []
        while remaining:
            front = [a for a, pa in remaining.items() if not any(dominates(pb, pa) for pb in remaining.values())]
            fronts.append(sorted(front))
            for trial_id in front:
                del remaining[trial_id]
        return fronts

    rng = random.Random(0)
    for _ in range(200):
        points = {f"t{i}": (rng.choice([rng.randint(0, 5), math.inf]), rng.choice([rng.random(), 1.0, math.inf]))
                  for i in range(rng.randint(0, 40))}
        assert non_dominated_fronts(points) == by_definition(points)


def test_the_non_dominated_mask_keeps_duplicates_and_drops_the_dominated():
    points = np.array([[1.0, 5.0], [1.0, 5.0], [2.0, 6.0], [0.5, 9.0]])
    assert non_dominated(points).tolist() == [True, True, False, True]
    assert non_dominated(np.zeros((0, 2))).tolist() == []


def test_hypervolume_sums_the_strips_each_point_improves():
    # (2 s, 0.5) adds (0.5 - 0.25) × (10 - 2) = 2.0; (5 s, 0.6) adds (0.6 - 0.5) × (10 - 5) = 0.5;
    # (6 s, 0.55) improves nothing; (12 s, 0.9) lies beyond the reference time
    area = hypervolume([(5.0, 0.6), (2.0, 0.5), (6.0, 0.55), (12.0, 0.9)], reference_acc=0.25, reference_s=10.0)
    assert math.isclose(area, 2.5)


def test_the_strips_say_which_points_the_hypervolume_is_made_of():
    from experiment.pareto import hypervolume_strips

    # as above: the second point (2 s, 0.5) adds 2.0, the first (5 s, 0.6) adds 0.5; the others add nothing
    strips = hypervolume_strips([(5.0, 0.6), (2.0, 0.5), (6.0, 0.55), (12.0, 0.9)], reference_acc=0.25,
                                reference_s=10.0)
    assert list(strips) == [1, 0] and math.isclose(strips[1], 2.0) and math.isclose(strips[0], 0.5)
