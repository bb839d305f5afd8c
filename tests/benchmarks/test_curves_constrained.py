"""The constrained question in the simulator, on tiny worlds worked out by hand: the user's limit
reaches the project's own sampler and scheduler, the simulated study carries the user attributes
the real searcher sets, and a strategy's answer is its best full run that fits."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest

from benchmarks.curves.arms import Setting, build
from benchmarks.curves.constrained import best_within, constrained_rows, gain_line, paired_gain, table_limits
from benchmarks.curves.simulator import Curve, FullRun, NoStopping, Trace, simulate
from spaces.space import SearchSpace, choice

SPACE = SearchSpace(name="four", description="four learning rates", dimensions={"lr": choice(0.1, 0.2, 0.3, 0.4)})
# lr → (seconds per epoch, accuracies): full runs of 3 epochs take 3, 6, 3 and 9 s
CURVES = {0.1: (1, [0.30, 0.40, 0.50]), 0.2: (2, [0.40, 0.50, 0.60]), 0.3: (1, [0.35, 0.45, 0.55]),
          0.4: (3, [0.50, 0.60, 0.70])}


def _curve(config: dict) -> Curve:
    seconds, acc = CURVES[config["lr"]]
    return Curve(np.array(acc), 2 - np.array(acc), np.full(3, float(seconds)))


def _limited_search(limit_s: float | None) -> tuple[optuna.Study, Trace]:
    setting = Setting(SPACE, max_epochs=3, grace_epochs=3, budget_s=1e6, samples=4, baselines=False,
                      tpe_startup=10, max_train_time_s=limit_s)  # 10 start-up trials: all four are random
    arm = build("project", setting, seed=0)
    for lr in (0.1, 0.2, 0.3, 0.4):
        arm.study.enqueue_trial({"lr": lr})
    trace = simulate(SPACE, arm.study, arm.stopper, _curve, slots=1, budget_s=setting.budget_s, max_epochs=3,
                     samples=4, reuse=arm.reuse)
    return arm.study, trace


def test_the_users_limit_stops_the_trials_that_cannot_fit_and_tpe_sees_them_infeasible():
    # limit 4.5 s. lr 0.2: epoch 1 (2 s) fits alone, epoch 2 projects 2 + 2 × 2 = 6 s: stopped. lr 0.4: its first
    # epoch (3 s) fits alone, the second projects 9 s: stopped. lr 0.1 and 0.3 (3 s) run to the end.
    study, trace = _limited_search(4.5)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED,
                                               optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED]
    assert [t.user_attrs["full_run_time_s"] for t in study.trials] == [3.0, 6.0, 3.0, 9.0]
    assert [t.user_attrs["full_run_time_projected"] for t in study.trials] == [False, True, False, True]
    assert [t.system_attrs["constraints"] for t in study.trials] == [(-1.5,), (1.5,), (-1.5,), (4.5,)]
    assert [run.trial for run in trace.full_runs] == [0, 2]


def test_without_a_limit_the_same_search_runs_every_trial_to_the_end():
    study, trace = _limited_search(None)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert "constraints" not in study.trials[0].system_attrs
    assert [run.train_time_s for run in trace.full_runs] == [3.0, 6.0, 3.0, 9.0]


def test_the_answer_is_the_best_full_run_that_fits_the_limit_and_ended_by_the_budget():
    # one slot, no stopping: A ends at 3 s (0.50), B at 9 s (6 s of training, best 0.60), C at 12 s (0.55),
    # D at 21 s (9 s of training, 0.70)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    for lr in (0.1, 0.2, 0.3, 0.4):
        study.enqueue_trial({"lr": lr})
    trace = simulate(SPACE, study, NoStopping(), _curve, slots=1, budget_s=100, max_epochs=3, samples=4)
    assert best_within(trace, limit_s=6.0, by_s=100) == 0.60  # B fits 6 s exactly
    assert best_within(trace, limit_s=5.9, by_s=100) == 0.55  # then C
    assert best_within(trace, limit_s=9.0, by_s=20) == 0.60  # D had not ended by 20 s
    assert np.isnan(best_within(trace, limit_s=2.0, by_s=100))  # nothing trains in 2 s


def test_a_replayed_duplicate_keeps_the_training_time_of_the_run_it_replays():
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    for lr in (0.2, 0.2):
        study.enqueue_trial({"lr": lr})
    trace = simulate(SPACE, study, NoStopping(), _curve, slots=1, budget_s=100, max_epochs=3, samples=2, reuse=True)
    assert [(run.ended_s, run.train_time_s) for run in trace.full_runs] == [(6.0, 6.0), (6.0, 6.0)]


def test_the_limits_are_percentiles_of_the_recorded_full_runs_times_leaving_out_cut_short_curves():
    # full runs (3 epochs) of 3, 6, 9 and 12 s; config 4 diverged after one epoch (1 s): not a full run
    rows = [{"config_id": c, "epoch": e, "epoch_time_s": s, "eval_time_s": 0.0}
            for c, s in ((0, 1.0), (1, 2.0), (2, 3.0), (3, 4.0)) for e in (1, 2, 3)]
    rows.append({"config_id": 4, "epoch": 1, "epoch_time_s": 1.0, "eval_time_s": 0.0})
    limits = table_limits(pd.DataFrame(rows), percentiles=(25, 50), max_epochs=3)
    assert limits == {25: pytest.approx(5.25), 50: pytest.approx(7.5)}  # numpy's linear percentiles of 3, 6, 9, 12


def _trace(*runs: tuple[float, float, float]) -> Trace:
    """A trace holding only full runs (ended_s, train_time_s, best accuracy)."""
    return Trace(full_runs=[FullRun(i, ended, seconds, acc, acc) for i, (ended, seconds, acc) in enumerate(runs)])


def test_a_strategy_filtered_afterwards_answers_every_limit_and_a_limited_one_its_own():
    limits = {10: 5.0, 25: 8.0}
    trace = _trace((100.0, 4.0, 0.40), (200.0, 7.0, 0.50), (400.0, 12.0, 0.60))
    rows = constrained_rows("accuracy", 0, None, trace, limits, minutes=(5,))
    assert [(r["percentile"], r["best_5min"]) for r in rows] == [(10, 0.40), (25, 0.50)]
    (own,) = constrained_rows("limit", 0, 25, trace, limits, minutes=(5,))
    assert (own["percentile"], own["limit_s"], own["best_5min"]) == (25, 8.0, 0.50)


def test_the_gain_is_paired_by_seed_and_a_seed_without_a_fitting_run_counts_at_the_floor():
    # seed 0: limit 0.50, accuracy 0.45 (+5 points); seed 1: limit 0.40, accuracy none -> the floor 0.25 (+15)
    rows = pd.DataFrame([
        {"strategy": "limit", "seed": 0, "percentile": 25, "limit_s": 8.0, "best_20min": 0.50},
        {"strategy": "limit", "seed": 1, "percentile": 25, "limit_s": 8.0, "best_20min": 0.40},
        {"strategy": "accuracy", "seed": 0, "percentile": 25, "limit_s": 8.0, "best_20min": 0.45},
        {"strategy": "accuracy", "seed": 1, "percentile": 25, "limit_s": 8.0, "best_20min": np.nan},
    ])
    mean, low, high = paired_gain(rows, 0.25, "limit", "accuracy", 25, 20)
    assert mean == pytest.approx(10.0) and 5.0 - 1e-9 <= low <= mean <= high <= 15.0 + 1e-9
    assert gain_line(rows, 0.25).startswith("constrained_gain=+10.00 (95% CI +5.00…")
