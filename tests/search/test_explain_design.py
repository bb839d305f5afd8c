"""The explain experiment's design and plan on configurations written by hand: which arms, which
runs, what a budget leaves out, and what the search's own seconds say each run costs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from search.explain.design import (ABLATION, BATCH_SWEEP, BEST, INTERACTION, LR_SWEEP, explain_design, runs_of,
                                   trimmed, with_value)
from search.explain.plan import expected_seconds_per_epoch, make_plan, promise, seconds_per_epoch_table
from spaces import SPACES

FULL = SPACES["full"]
EVERYTHING = ["arch", "lr", "batch_size", "activation", "standardize", "optimizer", "weight_decay", "batch_norm",
              "dropout", "augment", "lr_schedule"]
BEST_CONFIG = {"arch": "arch2", "lr": 0.03, "batch_size": 64, "activation": "elu", "standardize": "raw",
               "optimizer": "sgd_momentum", "weight_decay": 1e-4, "batch_norm": True, "dropout": 0.25,
               "augment": "flip", "lr_schedule": "cosine"}


def _arms(best=BEST_CONFIG, varied=EVERYTHING):
    return {arm.name: arm for arm in explain_design(best, FULL, varied)}


def test_each_choice_that_differs_from_its_reference_gets_one_ablation():
    ablations = {a.changed: a for a in _arms().values() if a.kind == ABLATION}
    # standardize is already the study's raw: nothing to put back
    assert set(ablations) == {"arch", "lr", "batch_size", "activation", "optimizer", "weight_decay", "batch_norm",
                              "dropout", "augment", "lr_schedule"}
    assert ablations["batch_norm"].config == {**BEST_CONFIG, "batch_norm": False}
    assert ablations["arch"].value == "arch1" and ablations["arch"].base == "arch2"
    assert ablations["lr"].config["lr"] == 0.01  # the study's, within momentum SGD's 1e-3…0.3


def test_a_hyperparameter_the_search_did_not_vary_is_not_ablated():
    kinds = {(a.kind, a.changed) for a in _arms(varied=["batch_norm", "dropout"]).values()}
    assert kinds == {(BEST, None), (ABLATION, "batch_norm"), (ABLATION, "dropout")}


def test_putting_the_optimizer_back_keeps_the_learning_rate_at_its_place_in_the_new_range():
    config = with_value(BEST_CONFIG, "optimizer", "sgd", FULL)
    # 0.03 sits at log-position 0.597 of momentum SGD's [1e-3, 0.3]; plain SGD's range is [3e-3, 1]
    position = (math.log(0.03) - math.log(1e-3)) / (math.log(0.3) - math.log(1e-3))
    assert config["lr"] == pytest.approx(math.exp(math.log(3e-3) + position * (math.log(1.0) - math.log(3e-3))))
    assert config["weight_decay"] == 1e-4  # allowed in plain SGD's choices too: kept
    adamw = with_value(BEST_CONFIG, "optimizer", "adamw", FULL)
    assert adamw["weight_decay"] == 1e-4 and 1e-4 <= adamw["lr"] <= 1e-2
    to_sgd = with_value({**BEST_CONFIG, "optimizer": "adamw", "lr": 1e-3, "weight_decay": 0.05}, "optimizer", "sgd",
                        FULL)
    assert to_sgd["weight_decay"] == 0.0  # AdamW's 0.05 is not a plain-SGD choice: the default


def test_sweeps_stay_within_the_optimizer_range_and_the_space_choices():
    arms = _arms({**BEST_CONFIG, "lr": 0.1, "batch_size": 256})
    lrs = sorted(a.config["lr"] for a in arms.values() if a.kind == LR_SWEEP)
    assert lrs == pytest.approx([0.01, 0.1 / 3, 0.3])  # ×10 = 1.0 is beyond momentum SGD's 0.3
    batches = sorted(a.config["batch_size"] for a in arms.values() if a.kind == BATCH_SWEEP)
    assert batches == [64, 128, 512]  # ×4 = 1024 is not among full's choices


def test_the_interaction_repeats_the_lr_sweep_at_four_times_the_batch_or_the_next_size_the_space_has():
    arms = _arms()
    at_second = [a for a in arms.values() if a.kind == INTERACTION]
    assert {a.config["batch_size"] for a in at_second} == {256}  # 64 × 4
    assert sorted(a.step for a in at_second) == pytest.approx([0.1, 1 / 3, 1.0, 3.0, 10.0])
    big = [a for a in _arms({**BEST_CONFIG, "batch_size": 256}).values() if a.kind == INTERACTION]
    assert {a.config["batch_size"] for a in big} == {64}  # 256×4 and ×8 are out of the space: ÷4


def test_arms_with_the_same_configuration_share_their_runs_and_the_search_run_is_reused():
    arms = list(_arms().values())
    runs = runs_of(arms, seeds=[0, 1, 2], own_seed=0)
    shared = [r for r in runs if "batch ×4" in r.arms]
    assert {frozenset(r.arms) for r in shared} == {frozenset({"batch_size 64 → 256", "batch ×4",
                                                              "lr ×1 at batch 256"})}
    assert [r.seed for r in runs if r.own] == [0] and next(r for r in runs if r.own).arms == ("best",)
    assert len(runs) == len({(tuple(sorted(r.config.items())), r.seed) for r in runs})


def test_a_budget_drops_the_interaction_then_the_farthest_sweeps_then_the_least_promising_ablations():
    arms = list(_arms().values())
    order = []
    for budget in range(len(arms), 0, -1):
        kept, dropped = trimmed(arms, lambda kept: len(kept), budget, promise={"dropout 0.25 → 0": -0.02,
                                                                               "augment flip → none": 0.01})
        order = [a.name for a in dropped]
    kinds = [next(a.kind for a in arms if a.name == name) for name in order]
    assert kinds[:5] == [INTERACTION] * 5 and set(kinds[5:13]) == {LR_SWEEP, BATCH_SWEEP}
    assert order[5:7] == ["lr ÷10", "lr ×10"] and set(order[11:13]) == {"batch ÷2", "batch ×2"}
    assert order[13:15] == ["dropout 0.25 → 0", "augment flip → none"]  # least promising ablations first
    assert kept == [arms[0]] and arms[0].kind == BEST  # the best is never dropped


def test_expected_seconds_come_from_the_search_trials_of_the_same_architecture_and_batch():
    trials = pd.DataFrame({"trial_id": ["a", "b", "c"], "arch": ["arch1", "arch2", "arch2"],
                           "batch_size": [64, 64, 256], "reused_from": [None, None, None]})
    epochs = pd.DataFrame({"trial_id": ["a", "a", "b", "b", "b", "c", "c"], "epoch": [1, 2, 1, 2, 3, 1, 2],
                           "epoch_time_s": [9.0, 1.0, 50.0, 10.0, 12.0, 40.0, 4.0],
                           "eval_time_s": [0.0, 0.5, 0.0, 1.0, 1.0, 0.0, 0.5]})
    table = seconds_per_epoch_table(trials, epochs)
    assert expected_seconds_per_epoch({"arch": "arch2", "batch_size": 64}, table) == pytest.approx(12.0)  # 11, 13
    assert expected_seconds_per_epoch({"arch": "arch2", "batch_size": 32}, table) == pytest.approx(8.25)  # b (12) and c (4.5)
    assert expected_seconds_per_epoch({"arch": "arch3", "batch_size": 64}, table) == pytest.approx(4.5)  # any


def test_the_plan_sums_each_run_once_over_the_slots_and_leaves_out_the_reused_run():
    trials = pd.DataFrame({"trial_id": ["a", "b"], "arch": ["arch2", "arch2"], "batch_size": [64, 64],
                           "reused_from": [None, None], "state": ["complete", "complete"],
                           "best_val_acc": [0.5, 0.4], "batch_norm": [True, False], "dropout": [0.2, 0.3]})
    epochs = pd.DataFrame({"trial_id": ["a", "a", "b", "b"], "epoch": [1, 2, 1, 2],
                           "epoch_time_s": [30.0, 10.0, 30.0, 10.0], "eval_time_s": [0.0, 0.0, 0.0, 0.0]})
    plan = make_plan(BEST_CONFIG, FULL, trials, epochs, seeds=[0, 1], own_seed=0, max_epochs=3, slots=2,
                     budget_s=None)
    assert [a.name for a in plan.arms] == ["best", "batch_norm True → False", "dropout 0.25 → 0"]
    assert len(plan.runs) == 6 and len(plan.to_train()) == 5
    assert plan.expected_wall_s == pytest.approx(5 * 10.0 * 3 / 2)
    assert promise(plan.arms, trials)["batch_norm True → False"] == pytest.approx(0.1)
