"""A surrogate of the recorded table: any configuration's learning curve, predicted.

A sampler proposes configurations the table never trained, so the simulator needs curves for
them: validation accuracy, validation loss and seconds per epoch as functions of (configuration,
epoch), random forests (scikit-learn) on every recorded epoch — one for accuracy and log loss
together, one for log seconds; categorical hyperparameters one-hot, numeric ones on the scale
`trainables.hyperparameters.TABLE` gives them, the loss capped (`_finite_loss`). Its error on
configurations it never saw (grouped 5-fold, a configuration's epochs together) is reported
beside every figure the simulator gives.

Why not the report's surrogate (`reports.evidence.accuracy_model`): that one answers questions
about one search — it encodes only what the search varied, at the levels its trials had, and
predicts accuracy alone, refitted on bootstrap samples for intervals. This one must give a
whole curve (accuracy, loss, seconds) for any configuration of the space a sampler proposes,
so it encodes every hyperparameter and is fitted once. Both take their scales from the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GroupKFold

from benchmarks.curves.record import epoch_seconds
from benchmarks.curves.simulator import Curve
from experiment.schema import HYPERPARAMETERS
from trainables.dataset import UNIFORM_LOSS
from trainables.hyperparameters import BY_NAME

NUMERIC = ("lr", "batch_size", "dropout", "weight_decay")
"""The numeric hyperparameters, each a column on its table scale (in this order: the forests' columns)."""


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
        # accuracy and loss from one forest, so both come from the same training rows and keep their relation
        self.quality = _forest(seed, trees).fit(x, np.column_stack([y["val_acc"], y["log_val_loss"]]))
        self.pace = _forest(seed, trees).fit(x, y["log_seconds"])
        self._cache: dict[tuple, Curve] = {}

    def curve(self, config: dict[str, Any]) -> Curve:
        key = tuple(sorted(config.items()))
        if key not in self._cache:
            epochs = np.arange(1, self.max_epochs + 1)
            x = self._features([config] * len(epochs), epochs)
            acc, log_loss = _predict(self.quality, x).T
            self._cache[key] = Curve(val_acc=np.clip(acc, 0, 1), val_loss=np.exp(log_loss),
                                     seconds=np.exp(_predict(self.pace, x)[:, 0]))
        return self._cache[key]

    def _features(self, configs: list[dict[str, Any]], epochs: np.ndarray) -> np.ndarray:
        columns = [np.asarray(epochs, dtype=float)]
        for name in NUMERIC:
            columns.append(np.array([BY_NAME[name].scaled(c[name]) if c.get(name) is not None else np.nan
                                     for c in configs]))
        for name, levels in self.levels.items():
            values = [str(c.get(name)) for c in configs]
            columns += [np.array([v == level for v in values], dtype=float) for level in levels]
        return np.nan_to_num(np.column_stack(columns), nan=0.0)

    @staticmethod
    def _targets(table: pd.DataFrame) -> dict[str, np.ndarray]:
        seconds = epoch_seconds(table)
        return {"val_acc": table["val_acc"].astype(float).to_numpy(),
                "log_val_loss": np.log(_finite_loss(table["val_loss"])),
                "log_seconds": np.log(seconds.clip(lower=1e-3)).to_numpy()}


@dataclass(frozen=True)
class Residual:
    """How far one configuration's recorded curve lay from the surrogate fitted without it."""

    predicted_final: float    # the held-out prediction of its last-epoch accuracy
    val_acc: np.ndarray       # recorded minus predicted, per epoch
    val_loss: np.ndarray      # in log loss
    log_seconds: np.ndarray
    arch: str | None = None   # the recorded configuration's architecture


def held_out_residuals(table: pd.DataFrame, max_epochs: int, folds: int = 5, seed: int = 0) -> list[Residual]:
    """Fit on all configurations but a fold's, predict the fold's curves, over every fold."""
    configs = table["config_id"].unique()
    residuals = []
    for train, test in GroupKFold(n_splits=min(folds, len(configs))).split(table, groups=table["config_id"]):
        surrogate = CurveSurrogate(table.iloc[train], max_epochs, seed, trees=100)
        for _, group in table.iloc[test].groupby("config_id"):
            group = group.sort_values("epoch")
            config = {name: group[name].iloc[0] for name in HYPERPARAMETERS if name in group}
            curve = surrogate.curve(config)
            epochs = group["epoch"].to_numpy() - 1
            loss = _finite_loss(group["val_loss"])
            residuals.append(Residual(float(curve.val_acc[epochs[-1]]),
                                      group["val_acc"].to_numpy(dtype=float) - curve.val_acc[epochs],
                                      np.log(loss) - np.log(curve.val_loss[epochs]),
                                      np.log(epoch_seconds(group).to_numpy()) - np.log(curve.seconds[epochs]),
                                      config.get("arch")))
    return residuals


def held_out_error(residuals: list[Residual]) -> HeldOutError:
    return HeldOutError(float(np.mean(np.abs(np.concatenate([r.val_acc for r in residuals])))),
                        float(np.mean([abs(r.val_acc[-1]) for r in residuals])),
                        float(np.exp(np.mean(np.abs(np.concatenate([r.log_seconds for r in residuals]))))))


class NoisyCurves:
    """The surrogate's curve plus the held-out residual curve of a recorded configuration the
    surrogate rated alike (one of the `neighbours` nearest in predicted final accuracy; with
    `same_arch`, nearest among the recorded configurations of the same architecture).

    A forest predicts a mean, and the best of many means is lower than the best of many real,
    noisy runs; a search's best is such a maximum. A whole residual curve is drawn, so its
    epochs stay correlated as a real run's do, and from configurations of similar predicted
    accuracy, so a strong configuration is not given the error of a collapsed one.

    Why `same_arch`: the forest rates the three architectures' best configurations alike while
    the recorded ones differ (it under-predicts the best arch2 and arch3 runs the most), so
    residuals drawn by predicted accuracy alone hand a fast arch1 configuration an arch2's
    error, and in that world arch1 reaches what only arch2 reached on the table. Questions about
    training time — where the architecture decides the time — need the residuals of the same
    architecture (benchmarks/RESULTS.md, "Time-aware search in the simulator").
    """

    def __init__(self, surrogate: CurveSurrogate, residuals: list[Residual], seed: int, neighbours: int = 5,
                 same_arch: bool = False):
        self.surrogate, self.neighbours, self.same_arch = surrogate, neighbours, same_arch
        self.residuals = sorted(residuals, key=lambda r: r.predicted_final)
        self.levels = np.array([r.predicted_final for r in self.residuals])
        self.archs = np.array([r.arch for r in self.residuals], dtype=object)
        self.rng = np.random.default_rng(seed)

    def __call__(self, config: dict[str, Any]) -> Curve:
        mean = self.surrogate.curve(config)
        candidates = np.arange(len(self.residuals))
        if self.same_arch and (self.archs == config.get("arch")).any():
            candidates = np.flatnonzero(self.archs == config.get("arch"))
        nearest = candidates[np.argsort(np.abs(self.levels[candidates] - mean.val_acc[-1]),
                                        kind="stable")[:self.neighbours]]
        residual = self.residuals[int(self.rng.choice(nearest))]
        epochs = min(len(mean.val_acc), len(residual.val_acc))
        return Curve(val_acc=np.clip(mean.val_acc[:epochs] + residual.val_acc[:epochs], 0, 1),
                     val_loss=mean.val_loss[:epochs] * np.exp(residual.val_loss[:epochs]),
                     seconds=mean.seconds[:epochs] * np.exp(residual.log_seconds[:epochs]))


def _finite_loss(loss: pd.Series) -> np.ndarray:
    """Validation loss capped at `UNIFORM_LOSS`, a diverged epoch's missing loss at the cap.

    Above the uniform guess's loss a model is worse than guessing, and by how much does not
    matter to any ranking; uncapped, a few exploded runs (losses up to 2.8e8, 19 in log)
    dominate the squared error of the leaves they fall in, and the simulated losses of
    ordinary configurations stop following their accuracies (Spearman 0.4 against the
    table's 0.9 at epoch 2), which made every loss-ranked arm look worse than it is."""
    return np.minimum(loss.astype(float).fillna(UNIFORM_LOSS).to_numpy(), UNIFORM_LOSS)


def _predict(forest: RandomForestRegressor, x: np.ndarray) -> np.ndarray:
    """`forest.predict(x)` without joblib's per-tree dispatch (40 ms a call, most of a simulation)."""
    rows = np.ascontiguousarray(x, dtype=np.float32)
    return np.mean([tree.tree_.predict(rows).reshape(len(rows), -1) for tree in forest.estimators_], axis=0)


def _forest(seed: int, trees: int) -> RandomForestRegressor:
    return RandomForestRegressor(n_estimators=trees, min_samples_leaf=2, max_features=0.5, random_state=seed,
                                 n_jobs=1)
