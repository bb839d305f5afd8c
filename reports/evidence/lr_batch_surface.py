"""Does the best learning rate depend on the batch size? A forest surrogate's answer.

A random forest (scikit-learn) of validation accuracy on (configuration, epoch), fitted on every
reported epoch of the trials the accuracy model uses (`accuracy_model.modelled_trials`), so a
pruned trial's epochs teach it how configurations start. Its partial dependence on the learning
rate and the batch size together (scikit-learn's "brute" definition, at a full run's last epoch)
is the surface drawn; the best learning rate at the smallest and the largest batch size with 3
trials or more, over refits on bootstrap samples of the trials, says whether it moves. A forest
is used here, not the linear model, because the question is an interaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

from reports.evidence.accuracy_model import modelled_trials
from reports.evidence.factors import Factor, level_values, trial_counts, varied_factors
from reports.evidence.rules import MIN_TRIALS_PER_SIDE

BOOTSTRAPS = 40
TREES = 60
LR_GRID = 25  # learning rates on the surface, log-spaced over those tried


@dataclass(frozen=True)
class LrBatchSurface:
    """Predicted accuracy over learning rate × batch size, and where the best lr lies.

    Attributes:
        lrs: the learning-rate grid.
        batches: batch-size levels, smallest first.
        prediction: (len(batches), len(lrs)) partial dependence of the full fit.
        best_lr: batch level → the grid lr with the highest prediction.
        trials: batch level → trials at it.
        modelled: trials the forest was fitted on.
        shift: (estimate, low, high, share > 0) of log10(best lr at the largest batch) −
            log10(best lr at the smallest), over the batch levels with enough trials, with a
            95% bootstrap percentile interval; None when fewer than two levels have enough.
    """

    lrs: np.ndarray
    batches: tuple[str, ...]
    prediction: np.ndarray
    best_lr: dict[str, float]
    trials: dict[str, int]
    modelled: int
    shift: tuple[float, float, float, float] | None


def fit_lr_batch_surface(trials: pd.DataFrame, epochs: pd.DataFrame, bootstraps: int = BOOTSTRAPS,
                         seed: int = 0) -> LrBatchSurface | None:
    """The surface, or None when the modelled trials did not vary both or are too few."""
    modelled, _ = modelled_trials(trials, epochs)
    factors = {f.name: f for f in varied_factors(modelled)}
    epoch = pd.to_numeric(trials["max_epochs"], errors="coerce").dropna()
    if len(modelled) < 2 * MIN_TRIALS_PER_SIDE or not {"lr", "batch_size"} <= set(factors) or epoch.empty:
        return None
    rows = epochs[epochs["trial_id"].isin(modelled["trial_id"])]
    rows = rows[np.isfinite(pd.to_numeric(rows["val_acc"], errors="coerce").astype(float))]
    rows = rows[["trial_id", "epoch", "val_acc"]].merge(modelled, on="trial_id", how="inner")
    ordered = tuple(factors.values())
    x, y = _matrix(ordered, rows, rows["epoch"]), rows["val_acc"].to_numpy(dtype=float)
    groups = rows["trial_id"].to_numpy()
    lr, batch = factors["lr"], factors["batch_size"]
    logs = lr.transform(modelled["lr"])
    lrs = np.logspace(logs.min(), logs.max(), LR_GRID)
    batches = level_values(modelled, batch)
    base = _matrix(ordered, modelled, int(epoch.mode().iloc[0]))
    queries = np.vstack([_with(base, ordered, {"lr": math.log10(value), "batch_size": level})
                         for level in batches.values() for value in lrs])
    full = _forest(seed).fit(x, y).predict(queries)
    refits = np.array([_forest(seed + 1 + b).fit(x[index], y[index]).predict(queries)
                       for b, index in enumerate(_bootstrap_rows(groups, modelled["trial_id"].to_numpy(), bootstraps,
                                                                 seed))])
    shape = (len(batches), len(lrs), len(modelled))
    full_grid = full.reshape(shape).mean(axis=2)
    boot_grid = refits.reshape((len(refits), *shape)).mean(axis=3)
    names = tuple(batches)
    counts = trial_counts(modelled, batch)
    best_lr = {name: float(lrs[int(np.argmax(full_grid[i]))]) for i, name in enumerate(names)}
    enough = [i for i, name in enumerate(names) if counts[name] >= MIN_TRIALS_PER_SIDE]
    shift = None
    if len(enough) >= 2:
        small, large = enough[0], enough[-1]
        boot = np.log10(lrs)[np.argmax(boot_grid[:, large], axis=1)] - np.log10(lrs)[np.argmax(boot_grid[:, small],
                                                                                               axis=1)]
        estimate = math.log10(best_lr[names[large]]) - math.log10(best_lr[names[small]])
        shift = (estimate, float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5)), float(np.mean(boot > 0)))
    return LrBatchSurface(lrs, names, full_grid, best_lr, {n: counts[n] for n in names}, len(modelled), shift)


def _forest(seed: int) -> RandomForestRegressor:
    return RandomForestRegressor(n_estimators=TREES, min_samples_leaf=2, max_features=0.5, random_state=seed, n_jobs=1)


def _matrix(factors: tuple[Factor, ...], configs: pd.DataFrame, epoch) -> np.ndarray:
    """Column 0 the epoch, then each factor: a numeric one on its scale, a categorical one an
    indicator column per level."""
    columns = [np.broadcast_to(np.asarray(epoch, dtype=float), (len(configs),))]
    for factor in factors:
        values = factor.transform(configs[factor.name])
        if factor.numeric:
            columns.append(values.to_numpy(dtype=float))
        else:
            columns += [(values == level).to_numpy(dtype=float) for level in factor.levels]
    return np.column_stack(columns)


def _with(base: np.ndarray, factors: tuple[Factor, ...], settings: dict[str, float | str]) -> np.ndarray:
    """Every row of `base` with the named factors set (a numeric one on its scale, a categorical
    one to a level)."""
    matrix, start = base.copy(), 1
    for factor in factors:
        width = 1 if factor.numeric else len(factor.levels)
        if factor.name in settings:
            value = settings[factor.name]
            matrix[:, start:start + width] = ([float(value)] if factor.numeric
                                              else [float(value == level) for level in factor.levels])
        start += width
    return matrix


def _bootstrap_rows(groups: np.ndarray, trial_ids: np.ndarray, count: int, seed: int):
    """Row indices of `count` bootstrap samples of the trials (each trial's epochs together)."""
    rng = np.random.default_rng(seed)
    by_trial = {trial_id: np.flatnonzero(groups == trial_id) for trial_id in trial_ids}
    for _ in range(count):
        yield np.concatenate([by_trial[t] for t in rng.choice(trial_ids, size=len(trial_ids), replace=True)])
