"""A surrogate of the recorded table: any configuration's learning curve, predicted.

A sampler proposes configurations the table never trained, so the simulator needs curves for
them: validation accuracy, validation loss and seconds per epoch as functions of (configuration,
epoch), each a random forest (scikit-learn) on every recorded epoch — categorical
hyperparameters one-hot, the learning rate in decades, the batch size in halvings, seconds on a
log scale. Its error on configurations it never saw (grouped 5-fold, a configuration's epochs
together) is reported beside every figure the simulator gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GroupKFold

from benchmarks.curves.simulator import Curve
from search.schema import HYPERPARAMETERS

NUMERIC = {"lr": math.log10, "batch_size": math.log2, "dropout": float, "weight_decay": lambda v: math.log10(v + 1e-6)}
TARGETS = ("val_acc", "val_loss", "log_seconds")


@dataclass(frozen=True)
class HeldOutError:
    """Mean absolute error on configurations left out of the fit."""

    val_acc: float            # over all epochs, in accuracy (0.01 = one point)
    final_val_acc: float      # at the last epoch
    seconds_ratio: float      # typical factor between predicted and recorded seconds per epoch


class CurveSurrogate:
    """Fitted on the table (one row per configuration and epoch); `curve(config)` for the simulator."""

    def __init__(self, table: pd.DataFrame, max_epochs: int, seed: int = 0, trees: int = 200):
        self.max_epochs = max_epochs
        self.levels = {name: sorted({str(v) for v in table[name].dropna()}) for name in HYPERPARAMETERS
                       if name not in NUMERIC and name in table}
        x = self._features(table.to_dict("records"), table["epoch"].to_numpy())
        y = self._targets(table)
        self.models = {target: _forest(seed, trees).fit(x, y[target]) for target in TARGETS}
        self._cache: dict[tuple, Curve] = {}

    def curve(self, config: dict[str, Any]) -> Curve:
        key = tuple(sorted(config.items()))
        if key not in self._cache:
            epochs = np.arange(1, self.max_epochs + 1)
            x = self._features([config] * len(epochs), epochs)
            self._cache[key] = Curve(val_acc=np.clip(self.models["val_acc"].predict(x), 0, 1),
                                     val_loss=self.models["val_loss"].predict(x),
                                     seconds=np.exp(self.models["log_seconds"].predict(x)))
        return self._cache[key]

    def _features(self, configs: list[dict[str, Any]], epochs: np.ndarray) -> np.ndarray:
        columns = [np.asarray(epochs, dtype=float)]
        for name, transform in NUMERIC.items():
            columns.append(np.array([transform(c[name]) if c.get(name) is not None else np.nan for c in configs]))
        for name, levels in self.levels.items():
            values = [str(c.get(name)) for c in configs]
            columns += [np.array([v == level for v in values], dtype=float) for level in levels]
        return np.nan_to_num(np.column_stack(columns), nan=0.0)

    @staticmethod
    def _targets(table: pd.DataFrame) -> dict[str, np.ndarray]:
        seconds = table["epoch_time_s"].astype(float) + table["eval_time_s"].fillna(0).astype(float)
        return {"val_acc": table["val_acc"].astype(float).to_numpy(),
                "val_loss": table["val_loss"].astype(float).fillna(table["val_loss"].max()).to_numpy(),
                "log_seconds": np.log(seconds.clip(lower=1e-3)).to_numpy()}


def held_out_error(table: pd.DataFrame, max_epochs: int, folds: int = 5, seed: int = 0) -> HeldOutError:
    """Fit on all configurations but a fold's, predict the fold's curves, over every fold."""
    configs = table["config_id"].unique()
    rows = {"acc": [], "final": [], "log_s": []}
    for train, test in GroupKFold(n_splits=min(folds, len(configs))).split(table, groups=table["config_id"]):
        surrogate = CurveSurrogate(table.iloc[train], max_epochs, seed, trees=100)
        for _, group in table.iloc[test].groupby("config_id"):
            config = {name: group[name].iloc[0] for name in HYPERPARAMETERS if name in group}
            curve = surrogate.curve(config)
            epochs = group["epoch"].to_numpy() - 1
            rows["acc"] += list(np.abs(curve.val_acc[epochs] - group["val_acc"].to_numpy()))
            last = group.sort_values("epoch").iloc[-1]
            rows["final"].append(abs(curve.val_acc[int(last["epoch"]) - 1] - last["val_acc"]))
            seconds = (group["epoch_time_s"] + group["eval_time_s"].fillna(0)).to_numpy()
            rows["log_s"] += list(np.abs(np.log(curve.seconds[epochs]) - np.log(seconds)))
    return HeldOutError(float(np.mean(rows["acc"])), float(np.mean(rows["final"])),
                        float(np.exp(np.mean(rows["log_s"]))))


def _forest(seed: int, trees: int) -> RandomForestRegressor:
    return RandomForestRegressor(n_estimators=trees, min_samples_leaf=2, max_features=0.5, random_state=seed,
                                 n_jobs=1)
