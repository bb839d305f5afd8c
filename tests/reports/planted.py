"""Experiments with planted truth, written by hand: no training, known answers.

Configurations are drawn from the `full` space by Optuna's random sampler (so conditional
learning rates and every nuisance hyperparameter vary as in a real search); seconds per epoch
and accuracy per epoch then follow formulas the test chooses, with noise, and successive
halving is applied after the fact (the lower half of the survivors stops at epochs 2 and 6).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna

from report_fixtures import DEFAULT_CONFIG, write_experiment
from spaces import SPACES

EPOCHS = 9
ARCH_COST = {"arch1": 1.0, "arch2": 8.0, "arch3": 14.0}
RUNGS = (2, 6)


def arch_and_batch_seconds(config: dict[str, Any]) -> float:
    """Planted time: arch3 14× and arch2 8× arch1; halving the batch costs 2^0.7 ≈ 1.62×."""
    return 2.0 * ARCH_COST[config["arch"]] * (256 / config["batch_size"]) ** 0.7


def lr_only_accuracy(config: dict[str, Any]) -> float:
    """Planted final accuracy: a peak of 60% at lr 0.01, falling to the majority class 25% two
    decades either side; nothing else matters."""
    return 0.25 + 0.35 * math.exp(-(math.log10(config["lr"]) + 2) ** 2 / 0.5)


def planted_trials(seed: int = 0, trials: int = 30, noise: float = 0.02,
                   accuracy: Callable[[dict], float] = lr_only_accuracy,
                   seconds: Callable[[dict], float] = arch_and_batch_seconds,
                   space: str = "full", configs: list[dict] | None = None) -> tuple[list[dict], list[dict]]:
    """(trials.parquet rows, epochs.parquet rows) of a search whose truth is `accuracy` and `seconds`."""
    rng = np.random.default_rng(seed)
    configs = configs or _random_configs(space, trials, seed)
    trial_rows, epoch_rows = [], []
    for i, config in enumerate(configs):
        final, per_epoch, total = accuracy(config), seconds(config), 0.0
        for epoch in range(1, EPOCHS + 1):
            took = per_epoch * math.exp(rng.normal(0, 0.05))
            total += took
            acc = 0.2 + (final - 0.2) * (1 - math.exp(-epoch / 3)) / (1 - math.exp(-EPOCHS / 3)) + rng.normal(0, noise)
            epoch_rows.append({"trial_id": f"t{i:02d}", "epoch": epoch, "val_acc": acc, "val_loss": 2.0 - acc,
                               "train_acc": acc, "train_loss": 2.0 - acc, "epoch_time_s": took, "train_time_s": total,
                               "images_per_s": 1000.0, "diverged": False})
        trial_rows.append({"trial_id": f"t{i:02d}", "state": "complete", **DEFAULT_CONFIG, **config,
                           "epochs": EPOCHS, "max_epochs": EPOCHS, "param_count": 1, "images_per_s": 1000.0,
                           "precision": "fp32", "device": "cpu", "fail_reason": None})
    _halve(trial_rows, epoch_rows)
    return trial_rows, [e for e in epoch_rows if e["epoch"] <= _epochs(trial_rows)[e["trial_id"]]]


def write_planted(folder: Path, trial_rows: list[dict], epoch_rows: list[dict], space: str = "full") -> Path:
    """The experiment folder, its trials' summary numbers worked out from their epochs."""
    for row in trial_rows:
        mine = [e for e in epoch_rows if e["trial_id"] == row["trial_id"]]
        best = max(mine, key=lambda e: e["val_acc"]) if mine else None
        row.update(best_val_acc=best["val_acc"] if best else None, best_epoch=best["epoch"] if best else None,
                   last_val_acc=mine[-1]["val_acc"] if mine else None,
                   train_time_s=mine[-1]["train_time_s"] if mine else None, epochs=len(mine))
    summary = {"name": folder.name, "space": space, "wall_time_s": 100.0,
               "data": {"description": "FER2013 (planted)", "synthetic": False},
               "search": {"max_epochs": EPOCHS, "scheduler": "halving"}, "trials": {}, "best": None}
    return write_experiment(folder, trial_rows, summary=summary, epochs=epoch_rows)


def _random_configs(space: str, trials: int, seed: int) -> list[dict]:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    configs = []
    for _ in range(trials):
        trial = study.ask()
        SPACES[space].suggest(trial)
        configs.append(SPACES[space].config_of(trial.params))
        study.tell(trial, 0.0)
    return configs


def _halve(trial_rows: list[dict], epoch_rows: list[dict]) -> None:
    """Successive halving after the fact: at each rung the lower half of the survivors stops."""
    accuracy = {(e["trial_id"], e["epoch"]): e["val_acc"] for e in epoch_rows}
    alive = [row["trial_id"] for row in trial_rows]
    for rung in RUNGS:
        ranked = sorted(alive, key=lambda t: -accuracy[(t, rung)])
        alive = ranked[:(len(ranked) + 1) // 2]
        for row in trial_rows:
            if row["trial_id"] in ranked[len(alive):]:
                row.update(state="pruned", epochs=rung)


def _epochs(trial_rows: list[dict]) -> dict[str, int]:
    return {row["trial_id"]: row["epochs"] for row in trial_rows}
