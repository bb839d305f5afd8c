"""What drives validation accuracy: a forest surrogate of accuracy on (configuration, epoch),
fitted on every reported epoch of every trial.

Pruned trials are evidence: their epochs teach the surrogate how configurations start, and
trials are compared at equal footing — the surrogate's prediction at the last epoch of a full
run — not by each trial's best over however many epochs early stopping let it have. Diverged
trials are not low accuracies: they are left out of the fit and listed apart.

Two questions, two tests, both over trials the surrogate did not see:
- *Does a factor matter?* Drop-column importance under grouped 5-fold cross-validation (a
  trial's epochs stay together): for each held-out trial, the squared error of a surrogate
  without the factor minus that of the full one. The factor matters when the 95% t interval
  of the mean difference over trials lies above zero: knowing it predicts unseen trials
  better. A factor that only stands in for another (an optimizer whose learning rates differ)
  adds nothing once the other is known, so it is not credited.
- *Which value is better?* Partial dependence (scikit-learn's "brute" definition): the mean
  prediction over every trial's configuration with the factor set to one level. The best and
  worst level (among those with at least 3 trials) compare by the difference of their partial
  dependences, with an interval from refitting on bootstrap samples of the trials: the full
  fit's difference ± z × its bootstrap standard error, z for 95% over every pair of the
  factor's levels at once (Bonferroni), so the pair named carries no winner's curse.
A sentence says "A beat B" only when both tests say so (`AccuracyModel.decided`).

The bootstrap fits also give the learning rate × batch size surface: partial dependence on a
grid of both, and how the best learning rate moves with the batch size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GroupKFold

from reports.evidence.factors import Factor, level_values, trial_counts, varied_factors
from reports.evidence.rules import (MIN_TRIALS_PER_SIDE, REPLAYS, distinguishable, interval_text, join_names,
                                    name_of, points, prefix_of)
from reports.hyperparameters import format_value
from reports.wording import plural

BOOTSTRAPS = 40
TREES = 60
CV_TREES = 40
FOLDS = 5
CONFIDENCE = 0.95
LR_GRID = 25  # learning rates on the surface, log-spaced over those tried
EXCLUDED = ("diverged", "failed")
EFFECT_COLUMNS = ("factor", "matters", "error_gain", "error_gain_low", "best", "worst", "difference", "low", "high",
                  "trials_best", "trials_worst")
LEVEL_COLUMNS = ("factor", "level", "prediction", "low", "high", "trials")


@dataclass(frozen=True)
class LrBatchSurface:
    """Predicted accuracy over learning rate × batch size, and where the best lr lies.

    Attributes:
        lrs: the learning-rate grid.
        batches: batch-size levels, smallest first.
        prediction: (len(batches), len(lrs)) partial dependence of the full fit.
        best_lr: batch level → the grid lr with the highest prediction.
        trials: batch level → trials at it.
        shift: (estimate, low, high, share > 0) of log10(best lr at the largest batch) −
            log10(best lr at the smallest), over the batch levels with enough trials, with a
            95% bootstrap percentile interval; None when fewer than two levels have enough.
    """

    lrs: np.ndarray
    batches: tuple[str, ...]
    prediction: np.ndarray
    best_lr: dict[str, float]
    trials: dict[str, int]
    shift: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class AccuracyModel:
    """The surrogate's answers.

    Attributes:
        effects: one row per factor (`EFFECT_COLUMNS`), largest difference first: whether it
            `matters` (the held-out test), the mean gain in held-out squared error from knowing
            it and the lower end of its interval, its best and worst level, the difference of
            their predicted accuracy with its interval, and the trials at each.
        levels: one row per factor and level: `prediction` (partial dependence) with a 95%
            bootstrap interval (`low`, `high`), and `trials`.
        factors: the hyperparameters the modelled trials varied.
        trials, epochs: what the surrogate was fitted on.
        epoch: the epoch predictions are made at (a full run's last).
        held_out_r2: R² of the cross-validated predictions (trials held out whole).
        diverged: the diverged trials' rows of trials.parquet, reported apart.
        surface: the lr × batch-size surface, when both varied.
    """

    effects: pd.DataFrame
    levels: pd.DataFrame
    factors: tuple[Factor, ...]
    trials: int
    epochs: int
    epoch: int | None
    held_out_r2: float | None
    diverged: pd.DataFrame
    surface: LrBatchSurface | None = None

    def effect(self, factor: str) -> pd.Series | None:
        rows = self.effects[self.effects["factor"] == factor]
        return rows.iloc[0] if len(rows) else None

    def decided(self, factor: str) -> bool:
        """"A beat B" may be said: the factor matters on held-out trials, and its best level's
        lead over its worst excludes zero with enough trials on each side."""
        row = self.effect(factor)
        return row is not None and bool(row["matters"]) and distinguishable(
            row["low"], row["high"], row["trials_best"], row["trials_worst"])

    def sentence(self) -> str:
        """What drives accuracy, in words that follow `reports.evidence.rules`."""
        diverged = diverged_sentence(self.diverged)
        if self.effects.empty:
            reason = ("no hyperparameter varied among them" if not self.factors and self.trials
                      else f"at least {2 * MIN_TRIALS_PER_SIDE} are needed")
            return (f"Cannot tell what drives validation accuracy with {plural(self.trials, 'measured trial')}: "
                    f"{reason}. {diverged}").strip()
        basis = (f"a forest surrogate fitted on {plural(self.epochs, 'reported epoch')} of "
                 f"{plural(self.trials, 'trial')}, pruned ones included, predicting a full run of {self.epoch} epochs"
                 + (f"; held-out R² {self.held_out_r2:.2f}" if self.held_out_r2 is not None else ""))
        decided = [row for _, row in self.effects.iterrows() if self.decided(row["factor"])]
        parts = []
        if decided:
            first, rest = decided[0], decided[1:]
            parts.append(f"{name_of(first['factor']).capitalize()} matters most for validation accuracy ({basis}): "
                         f"{_beat(first)}." + "".join(f" {name_of(r['factor']).capitalize()}: {_beat(r)}."
                                                       for r in rest))
        else:
            parts.append(f"No hyperparameter's best value is distinguishable from its worst with "
                         f"{plural(self.trials, 'trial')} ({basis}).")
        helps = [row["factor"] for _, row in self.effects.iterrows()
                 if row["matters"] and not self.decided(row["factor"])]
        if helps:
            parts.append(f"{join_names(helps).capitalize()} help{'s' if len(helps) == 1 else ''} predict accuracy on "
                         f"held-out trials, but no value of {'it' if len(helps) == 1 else 'them'} is distinguishable "
                         f"from another with {plural(self.trials, 'trial')}.")
        rest = [row["factor"] for _, row in self.effects.iterrows() if not row["matters"]]
        if rest:
            replays = [f"`{REPLAYS[f]}`" for f in rest if f in REPLAYS]
            decide = (f"controlled replays ({', '.join(replays)}) or more trials would decide" if replays
                      else "more trials that vary them would decide")
            parts.append(f"No evidence that {join_names(rest)} change{'s' if len(rest) == 1 else ''} accuracy: "
                         f"not distinguishable with {plural(self.trials, 'trial')}; {decide}.")
        return " ".join(parts + ([diverged] if diverged else []))


def _beat(row: pd.Series) -> str:
    prefix = f"{prefix_of(row['factor'])} " if prefix_of(row["factor"]) else ""
    return (f"{prefix}{row['best']} beat {prefix}{row['worst']} by {points(row['difference'])} "
            f"({interval_text(row['low'], row['high'])}; {row['trials_best']} vs {row['trials_worst']} trials)")


def diverged_sentence(diverged: pd.DataFrame) -> str:
    """How many trials diverged and where; empty when none did."""
    if diverged.empty:
        return ""
    where = "; ".join(f"{_config(row)} at epoch {int(row['epochs']) if pd.notna(row['epochs']) else '?'}"
                      for _, row in diverged.head(3).iterrows())
    more = f"; and {len(diverged) - 3} more" if len(diverged) > 3 else ""
    verb = "is not counted as an accuracy" if len(diverged) == 1 else "are not counted as accuracies"
    return f"{plural(len(diverged), 'trial')} diverged (a non-finite loss) and {verb}: {where}{more}."


def _config(row: pd.Series) -> str:
    keys = ("arch", "optimizer", "lr", "batch_size", "activation", "standardize")
    return " ".join(f"{prefix_of(k)} {format_value(row.get(k))}".strip() for k in keys
                    if row.get(k) is not None and pd.notna(row.get(k)))


def fit_accuracy_model(trials: pd.DataFrame, epochs: pd.DataFrame, bootstraps: int = BOOTSTRAPS,
                       seed: int = 0) -> AccuracyModel:
    """Fit on every epoch of every trial that neither diverged nor failed (nor replays another)."""
    own = trials[trials["reused_from"].isna()] if "reused_from" in trials else trials
    diverged = own[own["state"] == "diverged"]
    modelled = own[~own["state"].isin(EXCLUDED)]
    rows = epochs[epochs["trial_id"].isin(modelled["trial_id"])]
    rows = rows[np.isfinite(pd.to_numeric(rows["val_acc"], errors="coerce").astype(float))]
    modelled = modelled[modelled["trial_id"].isin(rows["trial_id"])].reset_index(drop=True)
    factors = tuple(varied_factors(modelled))
    epoch = _full_run_epoch(trials)
    if len(modelled) < 2 * MIN_TRIALS_PER_SIDE or not factors or epoch is None:
        return AccuracyModel(pd.DataFrame(columns=list(EFFECT_COLUMNS)), pd.DataFrame(columns=list(LEVEL_COLUMNS)),
                             factors, len(modelled), len(rows), epoch, None, diverged)
    rows = rows[["trial_id", "epoch", "val_acc"]].merge(modelled, on="trial_id", how="inner")
    design = _Design(factors)
    x, y = design.matrix(rows, rows["epoch"]), rows["val_acc"].to_numpy(dtype=float)
    groups = rows["trial_id"].to_numpy()
    relevance, r2 = _held_out_relevance(design, x, y, groups, modelled["trial_id"].to_numpy(), seed)
    queries = _Queries(modelled, design, epoch)
    full = _forest(TREES, seed).fit(x, y).predict(queries.matrix)
    refits = np.array([_forest(TREES, seed + 1 + b).fit(x[index], y[index]).predict(queries.matrix)
                       for b, index in enumerate(_bootstrap_rows(groups, modelled["trial_id"].to_numpy(),
                                                                 bootstraps, seed))])
    effects = pd.DataFrame([{**relevance[f.name], **_best_against_worst(queries, f, full, refits, modelled)}
                            for f in factors], columns=list(EFFECT_COLUMNS))
    return AccuracyModel(effects.sort_values("difference", ascending=False, ignore_index=True),
                         _levels(queries, full, refits, modelled), factors, len(modelled), len(rows), epoch, r2,
                         diverged, _surface(queries, full, refits, modelled))


def _forest(trees: int, seed: int) -> RandomForestRegressor:
    return RandomForestRegressor(n_estimators=trees, min_samples_leaf=2, max_features=0.5, random_state=seed,
                                 n_jobs=1)


def _full_run_epoch(trials: pd.DataFrame) -> int | None:
    epochs = pd.to_numeric(trials["max_epochs"], errors="coerce").dropna()
    return int(epochs.mode().iloc[0]) if len(epochs) else None


class _Design:
    """Configurations (and epoch) → the forest's matrix: column 0 the epoch, then each factor,
    numeric ones on their scale, categorical ones one indicator column per level."""

    def __init__(self, factors: tuple[Factor, ...]):
        self.factors = factors
        self.spans: dict[str, slice] = {}
        start = 1
        for factor in factors:
            width = 1 if factor.numeric else len(factor.levels)
            self.spans[factor.name] = slice(start, start + width)
            start += width
        self.width = start

    def matrix(self, configs: pd.DataFrame, epoch) -> np.ndarray:
        columns = [np.broadcast_to(np.asarray(epoch, dtype=float), (len(configs),))]
        for factor in self.factors:
            values = factor.transform(configs[factor.name])
            if factor.numeric:
                columns.append(values.to_numpy(dtype=float))
            else:
                columns += [(values == level).to_numpy(dtype=float) for level in factor.levels]
        return np.column_stack(columns)

    def setting(self, factor: Factor, value: float | str) -> np.ndarray:
        """The factor's columns for one value (on its scale) or level."""
        if factor.numeric:
            return np.array([value], dtype=float)
        return np.array([float(value == level) for level in factor.levels])

    def without(self, name: str) -> np.ndarray:
        """A column mask that drops one factor."""
        keep = np.ones(self.width, dtype=bool)
        keep[self.spans[name]] = False
        return keep


def _held_out_relevance(design: _Design, x: np.ndarray, y: np.ndarray, groups: np.ndarray, trial_ids: np.ndarray,
                        seed: int) -> tuple[dict[str, dict], float | None]:
    """Per factor, drop-column importance on held-out trials (see the module docstring); and
    the held-out R² of the full surrogate."""
    folds = min(FOLDS, len(trial_ids))
    masks = {None: np.ones(design.width, dtype=bool)} | {f.name: design.without(f.name) for f in design.factors}
    errors = {key: np.zeros(len(y)) for key in masks}
    predicted = np.zeros(len(y))
    for k, (train, test) in enumerate(GroupKFold(n_splits=folds).split(x, y, groups)):
        for key, keep in masks.items():
            forest = _forest(CV_TREES, seed + k).fit(x[train][:, keep], y[train])
            guess = forest.predict(x[test][:, keep])
            errors[key][test] = (guess - y[test]) ** 2
            if key is None:
                predicted[test] = guess
    per_trial = {key: pd.Series(e).groupby(groups).mean().reindex(trial_ids).to_numpy() for key, e in errors.items()}
    quantile = stats.t.ppf(1 - (1 - CONFIDENCE) / 2, df=len(trial_ids) - 1)
    relevance = {}
    for factor in design.factors:
        gain = per_trial[factor.name] - per_trial[None]
        low = gain.mean() - quantile * gain.std(ddof=1) / math.sqrt(len(gain))
        relevance[factor.name] = {"factor": factor.name, "matters": bool(low > 0), "error_gain": float(gain.mean()),
                                  "error_gain_low": float(low)}
    r2 = float(1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2))
    return relevance, r2


def _bootstrap_rows(groups: np.ndarray, trial_ids: np.ndarray, count: int, seed: int):
    """Row indices of `count` bootstrap samples of the trials (each trial's epochs together)."""
    rng = np.random.default_rng(seed)
    by_trial = {trial_id: np.flatnonzero(groups == trial_id) for trial_id in trial_ids}
    for _ in range(count):
        yield np.concatenate([by_trial[t] for t in rng.choice(trial_ids, size=len(trial_ids), replace=True)])


class _Queries:
    """Every configuration a partial dependence averages over, stacked so that each fit predicts
    them in one call: per factor and level, every trial's configuration with the factor set to
    that level (at the full run's last epoch); and the lr × batch grid."""

    def __init__(self, trials: pd.DataFrame, design: _Design, epoch: int):
        base = design.matrix(trials, epoch)
        self.design, self.blocks, parts = design, {}, []
        named = {f.name: f for f in design.factors}

        def add(key: tuple, settings: dict[str, float | str]) -> None:
            matrix = base.copy()
            for name, value in settings.items():
                matrix[:, design.spans[name]] = design.setting(named[name], value)
            start = sum(len(p) for p in parts)
            parts.append(matrix)
            self.blocks[key] = slice(start, start + len(matrix))

        for factor in design.factors:
            for level, value in level_values(trials, factor).items():
                add((factor.name, level), {factor.name: value})
        self.lrs, self.batches = np.array([]), {}
        if "lr" in named and "batch_size" in named:
            logs = named["lr"].transform(trials["lr"])
            self.lrs = np.logspace(logs.min(), logs.max(), LR_GRID)
            self.batches = level_values(trials, named["batch_size"])
            for batch, value in self.batches.items():
                for i, lr in enumerate(self.lrs):
                    add(("surface", batch, i), {"lr": math.log10(lr), "batch_size": value})
        self.matrix = np.vstack(parts)

    def mean(self, predictions: np.ndarray, key: tuple) -> np.ndarray:
        """Partial dependence of one block, for each fit (each row of `predictions`)."""
        return np.atleast_2d(predictions)[:, self.blocks[key]].mean(axis=1)


def _levels(queries: _Queries, full: np.ndarray, refits: np.ndarray, trials: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for factor in queries.design.factors:
        counts = trial_counts(trials, factor)
        for level in factor.levels:
            boot = queries.mean(refits, (factor.name, level))
            rows.append({"factor": factor.name, "level": level, "prediction": float(queries.mean(full, (factor.name,
                                                                                                       level))[0]),
                         "low": float(np.percentile(boot, 2.5)), "high": float(np.percentile(boot, 97.5)),
                         "trials": counts[level]})
    return pd.DataFrame(rows, columns=list(LEVEL_COLUMNS))


def _best_against_worst(queries: _Queries, factor: Factor, full: np.ndarray, refits: np.ndarray,
                        trials: pd.DataFrame) -> dict:
    """The best and worst level among those with enough trials (all levels when fewer than two
    have enough), and the Bonferroni-adjusted bootstrap interval of their difference."""
    counts = trial_counts(trials, factor)
    eligible = [level for level in factor.levels if counts[level] >= MIN_TRIALS_PER_SIDE]
    levels = eligible if len(eligible) >= 2 else list(factor.levels)
    predicted = {level: float(queries.mean(full, (factor.name, level))[0]) for level in levels}
    best, worst = max(predicted, key=predicted.get), min(predicted, key=predicted.get)
    spread = queries.mean(refits, (factor.name, best)) - queries.mean(refits, (factor.name, worst))
    pairs = len(levels) * (len(levels) - 1) / 2
    z = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2 / max(pairs, 1))
    error = float(np.std(spread, ddof=1)) if len(spread) > 1 else math.nan
    difference = predicted[best] - predicted[worst]
    return {"best": best, "worst": worst, "difference": difference, "low": difference - z * error,
            "high": difference + z * error, "trials_best": counts[best], "trials_worst": counts[worst]}


def _surface(queries: _Queries, full: np.ndarray, refits: np.ndarray, trials: pd.DataFrame) -> LrBatchSurface | None:
    if not queries.batches:
        return None
    batches = tuple(queries.batches)
    counts = trial_counts(trials, next(f for f in queries.design.factors if f.name == "batch_size"))

    def grid(predictions: np.ndarray) -> np.ndarray:  # (fits, batches, lrs)
        return np.stack([np.stack([queries.mean(predictions, ("surface", batch, i)) for i in range(len(queries.lrs))],
                                  axis=-1) for batch in batches], axis=1)

    full_grid, boot_grid = grid(full)[0], grid(refits)
    best_lr = {batch: float(queries.lrs[int(np.argmax(full_grid[i]))]) for i, batch in enumerate(batches)}
    enough = [i for i, batch in enumerate(batches) if counts[batch] >= MIN_TRIALS_PER_SIDE]
    shift = None
    if len(enough) >= 2:
        small, large = enough[0], enough[-1]
        logs = np.log10(queries.lrs)
        boot = logs[np.argmax(boot_grid[:, large], axis=1)] - logs[np.argmax(boot_grid[:, small], axis=1)]
        estimate = math.log10(best_lr[batches[large]]) - math.log10(best_lr[batches[small]])
        shift = (estimate, float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5)), float(np.mean(boot > 0)))
    return LrBatchSurface(queries.lrs, batches, full_grid, best_lr, {b: counts[b] for b in batches}, shift)
