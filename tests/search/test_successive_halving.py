"""The project's successive halving decides on numbers written by hand: top 1/η continue at a rung,
trials are ranked on their lowest validation loss so far (ties by accuracy), so trials tied at
the majority class's accuracy are told apart, and one noisy epoch does not undo the ones before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ray.tune.schedulers import TrialScheduler

from search.scheduling.successive_halving import Progress, Rungs, SuccessiveHalving, loss_then_accuracy

CONTINUE, STOP = TrialScheduler.CONTINUE, TrialScheduler.STOP


def _result(epoch: int, acc: float, loss: float, seconds: float = 1.0) -> dict:
    return {"epoch": epoch, "val_acc": acc, "val_loss": loss, "train_time_s": seconds * epoch}


def _run(scheduler: SuccessiveHalving, trial_id: str, *results: dict) -> str:
    action = CONTINUE
    for result in results:
        action = scheduler.on_trial_result(None, SimpleNamespace(trial_id=trial_id), result)
        if action == STOP:
            break
    return action


def test_rungs_sit_at_grace_times_eta_powers_below_max_t():
    assert SuccessiveHalving(max_t=9, grace_period=1, reduction_factor=3).rungs.milestones == [1, 3]
    assert SuccessiveHalving(max_t=9, grace_period=2, reduction_factor=2).rungs.milestones == [2, 4, 8]
    assert SuccessiveHalving(max_t=3, grace_period=3).rungs.milestones == []


def test_majority_class_ties_are_broken_by_validation_loss():
    scheduler = SuccessiveHalving(max_t=9, grace_period=1, reduction_factor=3)
    assert _run(scheduler, "a", _result(1, 0.249, 1.80)) == CONTINUE  # alone at the rung
    assert _run(scheduler, "b", _result(1, 0.249, 1.70)) == CONTINUE  # same accuracy, lower loss: better
    assert _run(scheduler, "c", _result(1, 0.249, 1.85)) == STOP  # two tied trials have lower loss


def test_ray_asha_would_have_continued_every_tied_trial():
    """The failure this scheduler exists for: Ray's cutoff equals the tied value, nobody is below it."""
    from ray.tune.schedulers.async_hyperband import _Bracket

    bracket = _Bracket(min_t=1, max_t=9, reduction_factor=3, s=0)
    actions = [bracket.on_result(SimpleNamespace(trial_id=t), 1, 0.249) for t in "abc"]
    assert actions == [CONTINUE] * 3


def test_only_the_top_third_continue_at_a_rung():
    rungs = Rungs([1], reduction_factor=3, ranking=loss_then_accuracy)
    losses = [1.70, 1.60, 1.65, 1.55, 1.80, 1.50]
    decisions = [rungs.decide(str(i), Progress(epochs=1, best_acc=0.3, best_loss=x)) for i, x in enumerate(losses)]
    # n=1: alone; n=2: 1.60 best; n=3: 1.65 has one better, ceil(3/3)=1 → stop; n=4: 1.55 best;
    # n=5: 1.80 worst; n=6: 1.50 best.
    assert decisions == [True, True, False, True, False, True]


def test_equal_losses_are_ranked_by_accuracy():
    rungs = Rungs([1], reduction_factor=3, ranking=loss_then_accuracy)
    assert rungs.decide("a", Progress(epochs=1, best_acc=0.40, best_loss=1.5))
    assert not rungs.decide("b", Progress(epochs=1, best_acc=0.35, best_loss=1.5))


def test_a_trial_is_judged_on_its_best_epoch_so_far_not_a_noisy_last_one():
    scheduler = SuccessiveHalving(max_t=9, grace_period=3, reduction_factor=3)
    _run(scheduler, "steady", _result(1, 0.40, 1.5), _result(2, 0.42, 1.45), _result(3, 0.43, 1.45))
    # A batch-norm trial: its third epoch swings (loss 2.5), but it reached loss 1.4 at epoch 2.
    assert _run(scheduler, "swinging", _result(1, 0.30, 1.6), _result(2, 0.47, 1.4), _result(3, 0.25, 2.5)) == CONTINUE
    # Ray's ASHA, on the last accuracy, would have stopped it (0.25 against a cutoff of 0.43).


def test_a_trial_reaching_max_t_stops():
    scheduler = SuccessiveHalving(max_t=2, grace_period=2)
    assert _run(scheduler, "a", _result(1, 0.3, 1.5)) == CONTINUE
    assert _run(scheduler, "a", _result(2, 0.3, 1.5)) == STOP


def test_a_trial_whose_projected_full_run_is_too_slow_stops_after_its_second_epoch():
    scheduler = SuccessiveHalving(max_t=10, grace_period=5, max_full_run_time_s=50)
    assert _run(scheduler, "fast", _result(1, 0.3, 1.5, seconds=4.0), _result(2, 0.3, 1.5, seconds=4.0)) == CONTINUE
    assert _run(scheduler, "slow", _result(1, 0.3, 1.5, seconds=6.0)) == CONTINUE  # the first epoch may be warm-up
    assert _run(scheduler, "slow", _result(2, 0.3, 1.5, seconds=6.0)) == STOP  # 60 s projected
    assert _run(scheduler, "hopeless", _result(1, 0.3, 1.5, seconds=51.0)) == STOP  # over the limit already
    assert scheduler.stopped == {"slow": "too slow", "hopeless": "too slow"}


def test_a_trial_stopped_for_the_time_limit_no_longer_competes_at_its_rungs():
    """Under --max-train-time-s, an arch2 trial's first epoch may fit the limit while its full run
    cannot: it reaches rung 1 with a low loss and is stopped at epoch 2. Left on the rung (or put
    back on it when Tune reports the stopped trial complete), it would push off a trial that fits:
    rungs at epochs 1 and 3, and of two trials at a rung only ⌈2/3⌉ = 1 goes on."""
    scheduler = SuccessiveHalving(max_t=9, grace_period=1, reduction_factor=3, max_full_run_time_s=20)
    slow_first, slow_second = _result(1, 0.45, 1.2, seconds=5.0), _result(2, 0.47, 1.1, seconds=5.0)
    assert _run(scheduler, "slow", slow_first) == CONTINUE  # 5 s: the first epoch alone fits
    assert _run(scheduler, "slow", slow_second) == STOP  # 5 + 5 × 8 = 45 s projected
    scheduler.on_trial_complete(None, SimpleNamespace(trial_id="slow"), slow_second)  # as Tune calls it after a stop
    assert scheduler.stopped == {"slow": "too slow"}
    assert _run(scheduler, "fits", _result(1, 0.35, 1.5, seconds=1.0)) == CONTINUE  # alone among those that fit
    assert _run(scheduler, "worse", _result(1, 0.30, 1.6, seconds=1.0)) == STOP  # ranked against "fits" only


def test_the_first_epoch_warm_up_is_not_projected_onto_every_later_epoch():
    # a GPU trial: 9 s for epoch 1 (CUDA context, cuDNN autotuning), then 2 s an epoch
    first = {"epoch": 1, "val_acc": 0.3, "val_loss": 1.5, "epoch_time_s": 9.0, "train_time_s": 9.0}
    second = {"epoch": 2, "val_acc": 0.3, "val_loss": 1.5, "epoch_time_s": 2.0, "train_time_s": 11.0}
    assert Progress().updated(first).full_run_time_s(10) == 90.0  # the first epoch is all there is
    assert Progress().updated(first).updated(second).full_run_time_s(10) == 9.0 + 2.0 * 9  # not 11 / 2 × 10
    scheduler = SuccessiveHalving(max_t=10, grace_period=5, max_full_run_time_s=30)
    assert _run(scheduler, "gpu", first, second) == CONTINUE  # 27 s: it fits, though epoch 1 alone said 90


def test_state_survives_save_and_restore(tmp_path):
    scheduler = SuccessiveHalving(max_t=9, grace_period=1)
    _run(scheduler, "a", _result(1, 0.249, 1.70))
    scheduler.save(str(tmp_path / "state"))
    restored = SuccessiveHalving(max_t=9, grace_period=1)
    restored.restore(str(tmp_path / "state"))
    assert _run(restored, "b", _result(1, 0.249, 1.80)) == STOP  # "a" is still recorded at the rung


@pytest.mark.parametrize("kwargs, message", [
    ({"max_t": 9, "grace_period": 0}, "grace_period"),
    ({"max_t": 9, "reduction_factor": 1}, "reduction_factor"),
    ({"max_t": 1, "grace_period": 2}, "max_t"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SuccessiveHalving(**kwargs)


def test_the_accuracy_ranking_breaks_majority_class_ties_by_the_loss():
    from search.scheduling import accuracy_then_loss

    rungs = Rungs([1], reduction_factor=3, ranking=accuracy_then_loss)
    assert rungs.decide("a", Progress(epochs=1, best_acc=0.249, best_loss=1.80))
    assert rungs.decide("b", Progress(epochs=1, best_acc=0.249, best_loss=1.70))  # tied accuracy, lower loss
    assert not rungs.decide("c", Progress(epochs=1, best_acc=0.249, best_loss=1.85))
    # accuracy first: a more accurate trial with a higher loss still ranks above every tied one
    assert rungs.decide("d", Progress(epochs=1, best_acc=0.30, best_loss=1.95))


def test_a_trial_resuming_from_its_checkpoint_is_chosen_before_new_ones():
    # Ray requeues a recovered trial behind the trials created since; it goes first all the same.
    new = SimpleNamespace(trial_id="new", status="PENDING", checkpoint=None)
    resumed = SimpleNamespace(trial_id="resumed", status="PENDING", checkpoint="checkpoint_000002")
    running = SimpleNamespace(trial_id="running", status="RUNNING", checkpoint="checkpoint_000001")
    controller = SimpleNamespace(get_trials=lambda: [running, new, resumed])
    assert SuccessiveHalving(max_t=9).choose_trial_to_run(controller) is resumed
    assert SuccessiveHalving(max_t=9).choose_trial_to_run(SimpleNamespace(get_trials=lambda: [new])) is new


def test_a_result_that_reports_a_training_error_is_no_epoch_at_a_rung():
    scheduler = SuccessiveHalving(max_t=9, grace_period=1, reduction_factor=3)
    assert _run(scheduler, "a", _result(1, 0.30, 1.50)) == CONTINUE
    # Ray numbers it as a second iteration; it must not reach (or be ranked at) a rung as epoch 2.
    _run(scheduler, "a", {"training_iteration": 2, "val_acc": 0.30, "training_error": "ValueError: boom"})
    assert scheduler.progress["a"].epochs == 1
