"""What the controlled runs of `python -m search.explain` decide, as data.

Every arm of the explain experiment ran at the same seeds as the best configuration, so each
effect is a paired difference: per seed, the arm's validation accuracy at the last epoch of a
full run minus the best's, and its seconds per epoch over the best's (time only against the best's
runs in this experiment: the search's own run shared the machine with other trials); the mean over seeds with
a 95% t interval (n − 1 degrees of freedom). An ablation *decides* that the best's choice is
worth something when its paired t-test survives Holm's correction over all the ablations and
each side has at least `MIN_TRIALS_PER_SIDE` seeds (under `MEANINGFUL_POINTS`, a point, it is
called small). A run that diverged is counted as diverged,
never averaged in as a low accuracy. The best learning rate at a batch size is the swept rate
with the highest mean accuracy; the rates within noise of it are those whose paired difference
with it has an interval that holds zero.

    runs = explain_runs(experiment)       # a row per arm and seed
    effects = arm_effects(runs)           # a row per arm: accuracy and time effects, intervals, verdict
    lr = best_lrs(runs)                   # per batch size: the best swept learning rate and its neighbours
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from reports.evidence.rules import MIN_TRIALS_PER_SIDE
from reports.experiment import Experiment
from trainables.hyperparameters import NAMES

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
BEST, ABLATION, LR_SWEEP, BATCH_SWEEP, INTERACTION = "best", "ablation", "lr sweep", "batch sweep", "interaction"
RUN_COLUMNS = ("arm", "kind", "changed", "step", "sweep_batch_size", "seed", "own", "val_acc", "seconds", "state",
               *NAMES)
EFFECT_COLUMNS = ("arm", "kind", "changed", "step", "sweep_batch_size", "value", "base", "seeds", "diverged",
                  "difference", "low", "high", "p", "decided", "time_ratio", "time_low", "time_high")


def explain_runs(experiment: Experiment) -> pd.DataFrame:
    """A row per arm and seed that ran: its last-epoch validation accuracy, median seconds per
    epoch after the first (training and validation) and fate. The best's seed that the search's
    own run covers comes from the search's files."""
    explained = experiment.explained
    if explained is None:
        return pd.DataFrame(columns=list(RUN_COLUMNS))
    plan = explained.plan[~explained.plan["dropped"]].copy()
    measured = _measured_runs(explained.trials, explained.epochs)
    own_trial = ((explained.record or {}).get("best_trial")
                 or ((experiment.summary or {}).get("best") or {}).get("trial_id"))
    own = _measured_runs(experiment.trials[experiment.trials["trial_id"] == own_trial], experiment.epochs)
    keys = [*NAMES, "seed"]
    plan["seed"] = plan["seed"].astype(int)
    rows = []
    by_key = {_key(row, keys): row for _, row in measured.iterrows()}
    own_row = own.iloc[0] if len(own) else None
    for _, arm in plan.iterrows():
        found = own_row if arm["own"] else by_key.get(_key(arm, keys))
        if found is None:
            continue
        rows.append({**{c: arm[c] for c in ("arm", "kind", "changed", "step", "sweep_batch_size", "seed", "own")},
                     "val_acc": found["val_acc"], "seconds": found["seconds"], "state": found["state"],
                     **{name: arm[name] for name in NAMES}})
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def arm_effects(runs: pd.DataFrame) -> pd.DataFrame:
    """A row per arm but the best (`EFFECT_COLUMNS`): the paired accuracy difference from the best
    (arm − best, in accuracy) and time ratio (arm / best), each with its 95% interval; Holm over
    the ablations decides which of the best's choices are worth something."""
    best = runs[runs["kind"] == BEST].set_index("seed")
    rows = []
    for arm, part in runs[runs["kind"] != BEST].groupby("arm", sort=False):
        first = part.iloc[0]
        changed = first["changed"]
        diverged = int((part["state"] == "diverged").sum())
        usable = part[(part["state"] == "complete") & part["seed"].isin(best.index[best["state"] == "complete"])]
        differences = (usable.set_index("seed")["val_acc"] - best["val_acc"]).dropna()
        # time only against the best's runs in this experiment: the search's own ran beside other trials
        trained = best[~best["own"].astype(bool)]
        ratios = np.log(usable.set_index("seed")["seconds"] / trained["seconds"]).dropna()
        difference, low, high, p = _paired(differences.to_numpy(dtype=float))
        ratio, time_low, time_high, _ = _paired(ratios.to_numpy(dtype=float))
        base = best[changed].iloc[0] if changed in best and len(best) else None
        rows.append({"arm": arm, "kind": first["kind"], "changed": changed, "step": first["step"],
                     "sweep_batch_size": first["sweep_batch_size"], "value": first.get(changed), "base": base,
                     "seeds": len(differences), "diverged": diverged, "difference": difference, "low": low,
                     "high": high, "p": p, "decided": False, "time_ratio": math.exp(ratio) if np.isfinite(ratio)
                     else math.nan, "time_low": math.exp(time_low) if np.isfinite(time_low) else math.nan,
                     "time_high": math.exp(time_high) if np.isfinite(time_high) else math.nan})
    effects = pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
    ablations = effects[effects["kind"] == ABLATION]
    decided = holm(ablations["p"].to_numpy(dtype=float), ALPHA) & (ablations["seeds"] >= MIN_TRIALS_PER_SIDE)
    effects.loc[ablations.index, "decided"] = decided
    return effects


def holm(p_values: np.ndarray, alpha: float) -> np.ndarray:
    """Holm's step-down procedure: which hypotheses are rejected at family-wise level `alpha`
    (NaN p-values are never rejected and do not count towards the family)."""
    rejected = np.zeros(len(p_values), dtype=bool)
    finite = np.flatnonzero(np.isfinite(p_values))
    for rank, index in enumerate(finite[np.argsort(p_values[finite], kind="stable")]):
        if p_values[index] > alpha / (len(finite) - rank):
            break
        rejected[index] = True
    return rejected


@dataclass(frozen=True)
class BestLearningRate:
    """The learning-rate sweep at one batch size.

    Attributes:
        batch_size: the batch size the sweep ran at.
        curve: a row per swept rate: `lr`, `step`, mean `val_acc`, `seeds`, and the paired difference
            from the rate with the highest mean (`difference`, `low`, `high`).
        best_lr: the rate with the highest mean accuracy.
        within: the rates whose interval of the difference from it holds zero (itself included).
    """

    batch_size: int
    curve: pd.DataFrame
    best_lr: float
    within: tuple[float, ...]


def best_lrs(runs: pd.DataFrame) -> list[BestLearningRate]:
    """The learning-rate sweeps, at the best's batch size and at the interaction's second one."""
    sweeps = []
    best = runs[runs["kind"] == BEST]
    if best.empty:
        return sweeps
    first_batch = int(best["batch_size"].iloc[0])
    at_first = pd.concat([best.assign(step=1.0), runs[runs["kind"] == LR_SWEEP]])
    at_second = runs[runs["kind"] == INTERACTION]
    for batch, part in ((first_batch, at_first), (None, at_second)):
        part = part[part["state"] == "complete"]
        if part["step"].nunique() < 2:
            continue
        batch = batch if batch is not None else int(part["batch_size"].iloc[0])
        sweeps.append(_sweep(batch, part))
    return sweeps


def _sweep(batch: int, part: pd.DataFrame) -> BestLearningRate:
    table = part.pivot_table(index="seed", columns="lr", values="val_acc", aggfunc="first")
    means = table.mean()
    best_lr = float(means.idxmax())
    rows, within = [], []
    for lr in table.columns:
        difference, low, high, _ = _paired((table[lr] - table[best_lr]).dropna().to_numpy(dtype=float))
        if lr == best_lr or (np.isfinite(low) and low <= 0 <= high):
            within.append(float(lr))
        rows.append({"lr": float(lr), "step": float(part.loc[part["lr"] == lr, "step"].iloc[0]),
                     "val_acc": float(means[lr]), "seeds": int(table[lr].notna().sum()), "difference": difference,
                     "low": low, "high": high})
    return BestLearningRate(batch, pd.DataFrame(rows).sort_values("lr", ignore_index=True), best_lr,
                            tuple(sorted(within)))


def best_spread(runs: pd.DataFrame) -> pd.DataFrame:
    """The best configuration's own runs, a row per seed (the search's own run marked `own`)."""
    return runs[runs["kind"] == BEST].sort_values("seed")[["seed", "own", "val_acc", "seconds", "state"]]


def _paired(values: np.ndarray) -> tuple[float, float, float, float]:
    """(mean, low, high, p) of paired differences: a t interval at `CONFIDENCE` and the two-sided
    p-value of a zero mean; NaN where fewer than two seeds."""
    if len(values) < 2:
        return (float(values.mean()) if len(values) else math.nan, math.nan, math.nan, math.nan)
    mean, error = float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))
    quantile = stats.t.ppf(1 - ALPHA / 2, df=len(values) - 1)
    if error == 0:
        return mean, mean, mean, (0.0 if mean != 0 else 1.0)
    p = float(2 * stats.t.sf(abs(mean / error), df=len(values) - 1))
    return mean, mean - quantile * error, mean + quantile * error, p


def _measured_runs(trials: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """Per trial: its hyperparameters, seed, fate, last-epoch validation accuracy and median
    seconds per epoch after the first (training and validation)."""
    rows = []
    for _, trial in trials.iterrows():
        mine = epochs[epochs["trial_id"] == trial["trial_id"]].sort_values("epoch")
        if mine.empty:
            continue
        later = mine[mine["epoch"] > 1] if (mine["epoch"] > 1).any() else mine
        seconds = (later["epoch_time_s"].astype(float) + later["eval_time_s"].fillna(0).astype(float)).median()
        rows.append({**{name: trial[name] for name in NAMES}, "seed": trial.get("seed"), "state": trial["state"],
                     "val_acc": float(mine["val_acc"].iloc[-1]), "seconds": float(seconds)})
    return pd.DataFrame(rows)


def _key(row: pd.Series, keys: list[str]) -> tuple:
    return tuple(_plain(row.get(k)) for k in keys)


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = value.item() if hasattr(value, "item") else value
    return round(value, 12) if isinstance(value, float) else value
