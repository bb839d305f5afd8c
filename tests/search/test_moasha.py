"""MOASHA's ranking on numbers written by hand: non-dominated fronts first, crowding within a front."""

from __future__ import annotations

from search.scheduling.moasha import pareto_ranking
from search.scheduling.successive_halving import Progress, Rungs


def _progress(loss: float, seconds_per_epoch: float, epochs: int = 1) -> Progress:
    return Progress(epochs=epochs, best_acc=0.3, best_loss=loss, train_time_s=seconds_per_epoch * epochs)


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


def test_the_front_is_built_on_the_quality_it_is_given():
    """On the loss, "calibrated" dominates "accurate" (lower loss, same pace); on the accuracy, the reverse."""
    from search.scheduling import accuracy_first

    calibrated = Progress(epochs=1, best_acc=0.40, best_loss=1.20, train_time_s=10.0)
    accurate = Progress(epochs=1, best_acc=0.45, best_loss=1.50, train_time_s=10.0)
    recorded = {"calibrated": calibrated, "accurate": accurate}
    assert pareto_ranking(recorded)["calibrated"][0] == 0 and pareto_ranking(recorded)["accurate"][0] == 1
    by_accuracy = pareto_ranking(recorded, quality=accuracy_first)
    assert by_accuracy["accurate"][0] == 0 and by_accuracy["calibrated"][0] == 1


def test_a_fast_trial_that_learnt_nothing_ranks_behind_every_trial_that_learnt_something():
    """The fronts' reference point: the class-frequency model, at no training time. A trial whose
    loss is no lower than the class-frequency loss (1.81) is dominated by it, however fast."""
    from trainables.dataset import CLASS_FREQUENCY_LOSS

    recorded = {"learnt": _progress(1.50, 30.0), "better": _progress(1.30, 40.0),
                "nothing": _progress(CLASS_FREQUENCY_LOSS + 0.01, 1.0)}  # the fastest by far
    keys = pareto_ranking(recorded)
    assert keys["nothing"][0] == 1 and keys["learnt"][0] == keys["better"][0] == 0
    rungs = Rungs([1], reduction_factor=3, ranking=pareto_ranking)
    assert rungs.decide("learnt", recorded["learnt"]) and rungs.decide("better", recorded["better"])
    assert not rungs.decide("nothing", recorded["nothing"])
    # without the reference point it sat on the first front, with the infinite crowding of its fast end
    assert pareto_ranking(recorded, reference=None)["nothing"][:2] == (0, -float("inf"))


def test_the_reference_point_takes_no_part_in_the_crowding_of_the_trials_beside_it():
    recorded = {"fast": _progress(1.50, 3.0), "accurate": _progress(1.30, 30.0)}
    assert pareto_ranking(recorded) == pareto_ranking(recorded, reference=None)  # both ends keep infinite crowding
