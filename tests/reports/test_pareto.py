"""The Pareto front, the near-best time saving and ASHA's savings, against sums done by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reports.pareto import asha_savings, pareto_front, time_saving


def _table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["trial_id", "state", "best_val_acc", "train_time_s"])


# Worked by hand:
#   front (fastest first): g, a, b, i, e, c
#   d is dominated by a (slower and less accurate); f ties c's accuracy but is slower;
#   j is dominated by i; h has no time and cannot be placed.
TRIALS = _table([
    ("a", "complete", 0.600, 100.0),
    ("b", "complete", 0.600, 100.0),   # exact duplicate of a: neither dominates the other
    ("c", "complete", 0.650, 300.0),   # the best full run
    ("d", "complete", 0.550, 150.0),
    ("e", "complete", 0.645, 120.0),
    ("f", "complete", 0.650, 400.0),   # tied best accuracy, slower than c
    ("g", "pruned", 0.300, 20.0),
    ("h", "failed", 0.700, None),
    ("i", "pruned", 0.641, 110.0),
    ("j", "complete", 0.640, 115.0),   # exactly 1 point below the best: counts as within it
])


def test_pareto_front_keeps_exactly_the_undominated_trials_fastest_first():
    assert pareto_front(TRIALS)["trial_id"].tolist() == ["g", "a", "b", "i", "e", "c"]


def test_a_slower_trial_with_the_same_accuracy_is_dominated():
    front = pareto_front(_table([("fast", "complete", 0.6, 10.0), ("slow", "complete", 0.6, 20.0)]))
    assert front["trial_id"].tolist() == ["fast"]


def test_a_less_accurate_trial_with_the_same_time_is_dominated():
    front = pareto_front(_table([("better", "complete", 0.6, 10.0), ("worse", "complete", 0.5, 10.0)]))
    assert front["trial_id"].tolist() == ["better"]


def test_pareto_front_of_no_measured_trial_is_empty():
    assert pareto_front(_table([("x", "failed", None, None)])).empty


def test_time_saving_compares_the_fastest_full_run_within_one_point_with_the_best_full_run():
    saving = time_saving(TRIALS)
    assert saving.best["trial_id"] == "c"          # not f: ties go to the faster trial
    assert saving.fastest["trial_id"] == "j"       # 0.640 >= 0.650 - 0.01, and faster than e
    assert saving.saved_s == pytest.approx(300 - 115)
    assert saving.speedup == pytest.approx(300 / 115)
    assert saving.accuracy_given_up == pytest.approx(0.01)


def test_time_saving_can_let_pruned_trials_compete():
    saving = time_saving(TRIALS, states=("complete", "pruned"))
    assert (saving.best["trial_id"], saving.fastest["trial_id"]) == ("c", "i")
    assert saving.saved_s == pytest.approx(190.0)


def test_a_tighter_tolerance_keeps_only_the_nearer_trials():
    saving = time_saving(TRIALS, tolerance=0.005)
    assert saving.fastest["trial_id"] == "e"
    assert saving.speedup == pytest.approx(2.5)


def test_the_best_trial_alone_saves_nothing():
    saving = time_saving(_table([("only", "complete", 0.5, 42.0)]))
    assert saving.fastest["trial_id"] == saving.best["trial_id"] == "only"
    assert (saving.saved_s, saving.speedup) == (0.0, 1.0)


def test_time_saving_is_none_without_a_complete_trial():
    assert time_saving(_table([("p", "pruned", 0.5, 1.0), ("d", "diverged", 0.2, 1.0)])) is None


def test_negative_tolerance_is_rejected_with_the_value_in_the_message():
    with pytest.raises(ValueError, match="is -0.1, but must be `tolerance >= 0`"):
        time_saving(TRIALS, tolerance=-0.1)


def test_asha_savings_sum_epochs_and_estimate_full_time_per_trial():
    trials = pd.DataFrame([
        # trial, state, epochs, max_epochs, train_time_s -> estimated full time
        ("t1", "complete", 10, 10, 100.0),   # 100
        ("t2", "pruned", 1, 10, 12.0),       # 12 / 1 * 10 = 120
        ("t3", "pruned", 3, 10, 30.0),       # 30 / 3 * 10 = 100
        ("t4", "diverged", 2, 10, 10.0),     # 10 / 2 * 10 = 50
        ("t5", "failed", 0, 10, None),       # no epoch: counts in epochs, not in time
        ("t6", "failed", None, 10, None),    # epochs unknown: as 0
    ], columns=["trial_id", "state", "epochs", "max_epochs", "train_time_s"])
    savings = asha_savings(trials)
    assert (savings.epochs_trained, savings.epochs_full) == (16, 60)
    assert savings.epochs_saved_fraction == pytest.approx(1 - 16 / 60)
    assert savings.time_trained_s == pytest.approx(152.0)
    assert savings.time_full_s == pytest.approx(370.0)
    assert savings.time_saved_fraction == pytest.approx(1 - 152 / 370)
    assert savings.untimed_trials == 2


def test_asha_savings_of_nothing_are_zero_with_no_fraction():
    savings = asha_savings(pd.DataFrame(columns=["trial_id", "state", "epochs", "max_epochs", "train_time_s"]))
    assert (savings.epochs_full, savings.time_full_s) == (0, 0.0)
    assert savings.epochs_saved_fraction is None and savings.time_saved_fraction is None
    assert not math.isnan(savings.time_trained_s)


def test_a_front_leaves_out_diverged_trials_and_trials_at_the_majority_class():
    from reports.figures.accuracy_vs_time import accuracy_vs_time
    from reports.experiment import Experiment
    from reports.pareto import front_candidates
    trials = _table([("broken", "diverged", 0.130, 0.1), ("guess", "complete", 0.249, 5.0),
                     ("fast", "complete", 0.400, 10.0), ("slow", "complete", 0.550, 100.0)])
    assert front_candidates(trials)["trial_id"].tolist() == ["fast", "slow"]
    trials["arch"], trials["baseline"] = "arch1", None
    panel = accuracy_vs_time(Experiment(folder=None, trials=trials, epochs=None, summary=None, study=None))
    assert "from 40.0% in 10.0 s (trial fast)" in panel.takeaway
    assert any("2 trial(s) that diverged or stayed at or below the majority class" in note for note in panel.notes)
