"""MOASHA's ranking on numbers written by hand: non-dominated fronts first, crowding within a front."""

from __future__ import annotations

import math

from search.scheduling.moasha import crowding_distances, non_dominated_fronts, pareto_ranking
from search.scheduling.successive_halving import Progress, Rungs


def _progress(loss: float, seconds_per_epoch: float, epochs: int = 1) -> Progress:
    return Progress(epochs=epochs, best_acc=0.3, best_loss=loss, train_time_s=seconds_per_epoch * epochs)


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


def test_a_fast_less_accurate_trial_survives_beside_the_most_accurate():
    """ASHA on accuracy alone would stop the fast trial; MOASHA keeps both ends of the front."""
    rungs = Rungs([1], reduction_factor=3, ranking=pareto_ranking)
    assert rungs.decide("accurate", _progress(1.30, 30.0))
    assert rungs.decide("fast", _progress(1.50, 3.0))  # n=2: both on the front, both ends
    assert not rungs.decide("dominated", _progress(1.55, 20.0))  # slower and worse than "fast"


def test_projected_time_uses_seconds_per_epoch_so_trials_at_different_epochs_compare():
    keys = pareto_ranking({"a": _progress(1.4, 10.0, epochs=3), "b": _progress(1.4, 12.0, epochs=1)})
    assert keys["a"] < keys["b"]  # same loss, a is faster per epoch though it trained longer


def test_trials_tied_on_loss_and_time_are_ranked_by_accuracy_as_the_docstring_says():
    tied = {"worse": Progress(epochs=1, best_acc=0.30, best_loss=1.5, train_time_s=10.0),
            "better": Progress(epochs=1, best_acc=0.40, best_loss=1.5, train_time_s=10.0)}
    keys = pareto_ranking(tied)
    assert keys["better"] < keys["worse"]
    rungs = Rungs([1], reduction_factor=2, ranking=pareto_ranking)  # top half of two: one goes on
    assert rungs.decide("worse", tied["worse"])  # alone at the rung so far
    assert rungs.decide("better", tied["better"]) and not rungs.decide("third", Progress(
        epochs=1, best_acc=0.20, best_loss=1.5, train_time_s=10.0))


def test_fast_fronts_equal_the_definition_on_random_points_with_ties_and_infinities():
    import math
    import random

    from search.schema import dominates
    from search.scheduling.moasha import non_dominated_fronts

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


def test_the_front_is_built_on_the_quality_it_is_given():
    """On the loss, "calibrated" dominates "accurate" (lower loss, same pace); on the accuracy, the reverse."""
    from search.scheduling import accuracy_first

    calibrated = Progress(epochs=1, best_acc=0.40, best_loss=1.20, train_time_s=10.0)
    accurate = Progress(epochs=1, best_acc=0.45, best_loss=1.50, train_time_s=10.0)
    recorded = {"calibrated": calibrated, "accurate": accurate}
    assert pareto_ranking(recorded)["calibrated"][0] == 0 and pareto_ranking(recorded)["accurate"][0] == 1
    by_accuracy = pareto_ranking(recorded, quality=accuracy_first)
    assert by_accuracy["accurate"][0] == 0 and by_accuracy["calibrated"][0] == 1
