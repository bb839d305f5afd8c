"""A conditional space's study (one Optuna parameter per branch, `lr[adamw]`) still has `lr`
ranked by importance: the branches become one parameter again; and the ranking is said as
Optuna's picture, never as a finding."""

from __future__ import annotations

import math

import optuna

from reports.figures.importance import _first_value, flat_study, importance_panel
from spaces import SPACES


def _conditional_study(directions: list[str], diverged: int = 0) -> optuna.Study:
    """30 trials of the full space where accuracy is driven by lr alone (higher lr, higher
    accuracy); the first `diverged` of them diverged."""
    study = optuna.create_study(directions=directions, sampler=optuna.samplers.RandomSampler(seed=0))
    for number in range(30):
        trial = study.ask()
        SPACES["full"].suggest(trial)
        lr = SPACES["full"].config_of(trial.params)["lr"]
        trial.set_user_attr("train_time_s", 10.0)
        trial.set_user_attr("diverged", number < diverged)
        accuracy = 0.5 + 0.05 * math.log10(lr)
        values = [accuracy] if len(directions) == 1 else [accuracy, 10.0]
        study.tell(trial, values)
    return study


def test_branches_of_a_conditional_parameter_become_one_parameter_over_their_union():
    flat = flat_study(_conditional_study(["maximize"]))
    assert all(not any("[" in name for name in t.params) for t in flat.trials)
    assert all("lr" in t.params for t in flat.trials)
    lr = flat.trials[0].distributions["lr"]
    assert (lr.low, lr.high, lr.log) == (1e-4, 1.0, True)  # AdamW's 1e-4 … plain SGD's 1


def test_lr_is_ranked_for_a_conditional_study_single_or_multi_objective():
    for directions, target in ((["maximize"], None), (["maximize", "minimize"], _first_value)):
        panel = importance_panel(flat_study(_conditional_study(directions)), target, "validation accuracy")
        assert panel.figure is not None, panel.takeaway
        assert panel.takeaway.startswith("Optuna's importance for validation accuracy on the 30 completed trials "
                                         "ranks lr "), panel.takeaway
        assert "matters" not in panel.takeaway and "not a test" in panel.takeaway


def test_a_study_without_conditional_parameters_is_left_as_it_is():
    study = optuna.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert flat_study(study) is study


def test_diverged_trials_are_left_out_of_what_importance_sees():
    flat = flat_study(_conditional_study(["maximize"], diverged=4))
    assert len(flat.trials) == 26 and not any(t.user_attrs.get("diverged") for t in flat.trials)
