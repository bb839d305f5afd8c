"""Conditional spaces: each optimizer gets its own lr range under its own Optuna parameter, and a
config names every hyperparameter once."""

from __future__ import annotations

import optuna
import pytest

from spaces import SPACES
from spaces.space import Conditional, SearchSpace, choice, log_uniform

FULL = SPACES["full"]
LR_RANGES = {"sgd": (3e-3, 1.0), "sgd_momentum": (1e-3, 0.3), "sgd_nesterov": (1e-3, 0.3), "adamw": (1e-4, 1e-2)}


def _sample(space: SearchSpace, n: int, seed: int = 0) -> list[dict]:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    configs = []
    for _ in range(n):
        trial = study.ask()
        space.suggest(trial)
        configs.append((trial.params, space.config_of(trial.params)))
        study.tell(trial, 0.0)
    return configs


def test_full_space_draws_each_optimizers_lr_from_its_own_range():
    seen = set()
    for params, config in _sample(FULL, 200):
        low, high = LR_RANGES[config["optimizer"]]
        assert low <= config["lr"] <= high
        assert params[f"lr[{config['optimizer']}]"] == config["lr"]
        assert not any(k.startswith("lr[") and k != f"lr[{config['optimizer']}]" for k in params)
        seen.add(config["optimizer"])
    assert seen == set(LR_RANGES)


def test_adamw_gets_decoupled_weight_decay_and_sgd_an_l2_term():
    for _, config in _sample(FULL, 200, seed=1):
        if config["optimizer"] == "adamw":
            assert config["weight_decay"] >= 1e-4
        else:
            assert config["weight_decay"] <= 1e-3


def test_every_full_config_names_each_hyperparameter_once():
    for _, config in _sample(FULL, 20):
        assert set(config) == set(FULL.dimensions)


def test_params_of_inverts_config_of_for_the_study_baselines():
    for baseline in FULL.baselines:
        params = FULL.params_of(baseline)
        assert params["lr[sgd]"] == baseline["lr"] and "lr" not in params
        assert FULL.config_of(params) == {k: v for k, v in baseline.items() if k in FULL.dimensions}


def test_an_enqueued_baseline_is_what_define_by_run_returns():
    study = optuna.create_study()
    study.enqueue_trial(FULL.params_of(FULL.baselines[1]))
    trial = study.ask()
    FULL.suggest(trial)
    assert FULL.config_of(trial.params) == {k: v for k, v in FULL.baselines[1].items() if k in FULL.dimensions}


def test_a_branch_left_out_keeps_the_dimension_at_its_default():
    space = SearchSpace(name="t", description="", dimensions={
        "optimizer": choice("sgd", "adamw"), "weight_decay": Conditional("optimizer", {"adamw": choice(0.01)})})
    for _, config in _sample(space, 20):
        assert ("weight_decay" in config) == (config["optimizer"] == "adamw")


def test_a_condition_on_a_later_dimension_is_rejected():
    with pytest.raises(ValueError, match="depends on 'optimizer', which must be declared before it"):
        SearchSpace(name="t", description="", dimensions={
            "lr": Conditional("optimizer", {"sgd": log_uniform(1e-3, 1)}), "optimizer": choice("sgd")})


def test_seed_and_one_factor_spaces_stay_exact_replays_of_the_study():
    assert not SPACES["seed"].conditional
    assert SPACES["seed"].dimensions["lr"].choices == (0.0001, 0.001, 0.005, 0.01, 0.1, 1.0)
    for name in ("lr", "batch", "activation", "standardize", "arch"):
        assert SPACES[name].grid and not SPACES[name].conditional


def test_list_spaces_shows_the_branches_of_a_conditional_dimension():
    text = FULL.describe()
    assert "lr             by optimizer:" in text
    assert "adamw: log-uniform [0.0001, 0.01]" in text
