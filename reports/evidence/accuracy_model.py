"""What drives validation accuracy: a linear model of each trial's best accuracy on the factors,
every factor judged holding the others.

The trials: every trial that neither diverged nor failed (nor replays another), pruned ones
included. Diverged trials are not low accuracies: they are left out and listed apart. Trials
are compared at one epoch, the latest that at least three quarters of them reached
(`comparison_epoch`): a full run's last when every trial ran to the end, the first rung when
early stopping stopped most there. A trial's accuracy is its best validation accuracy up to that
epoch. At one epoch every trial is measured alike, and which trials early stopping let run on
does not matter: it chose them after that epoch.

A categorical factor gets a column per value but its reference; a numeric one (the learning
rate and weight decay in decades, the batch size in halvings, dropout) its centred value
and square, since too low and too high can both lose. Each factor is judged by the F test of its
columns in the model that judges it (`reports.evidence.linear`), Holm-corrected across the
factors (`reports.evidence.rules`). That test sees a factor another stands in for. A numeric
factor whose range depends on a categorical one (the learning rate, on the optimizer) has a
slope per range, in its position within the range, and one shared curvature: it changes
accuracy when accuracy moves with it within the ranges, whatever the optimizer. Its parent
changes accuracy only when it adds to one curve of the child across every range — so the
optimizer is not credited with what its learning rates did, nor the learning rate hidden behind
the optimizer, as a held-out drop-column test would hide it (a forest without it still knows
the optimizer). The learning rate and the batch size also share the column of their product,
the study's own question (the best learning rate moving with the batch size), tested with
either.

Which value is better: the model's prediction at each level (its partial dependence: every
trial's configuration with the factor set to that level, averaged; for a factor with a parent,
over the trials of each parent value, its range cut in up to three bins), and the best level
against the worst among levels with at least 3 trials, with a t interval at 95% for every pair
at once (Bonferroni), so the pair named carries no winner's curse. "A beat B" is said only when
the factor's test passes and this interval excludes zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reports.evidence.factors import Factor, level_labels, varied_factors, varied_together
from reports.evidence.judgement import TEST_COLUMNS, FactorTest, cannot_tell, verdict_table
from reports.evidence.linear import Fit, judged
from reports.evidence.rules import (CONFIDENCE, DRIVER, FAMILY_CONFIDENCE, MEANINGFUL_POINTS, MIN_TRIALS_PER_SIDE,
                                    NO_EVIDENCE, SMALL, distinguishable, interval_text, points, prefix_of, value_text)
from reports.hyperparameters import format_value
from reports.wording import plural

EXCLUDED = ("diverged", "failed")
DEGREE = 2
"""A numeric factor's curve: linear and square. A cube too found narrow planted peaks sooner but
lost the learning rate on the recorded FER2013 runs and credited the optimizer with its effect
(benchmarks/RESULTS.md, "The report's evidence engine")."""
INTERACTION = ("lr", "batch_size")
INTERACTION_BLOCK = "lr × batch size"
"""The one interaction modelled, the study's own question: the best learning rate may move with
the batch size (a column of their product, part of either factor's test)."""
LEVELS_WITHIN = 3
COMPARED_SHARE = 0.75
"""Trials are compared at the latest epoch at least this share of them reached."""
EFFECT_COLUMNS = ("factor", "within", "best", "worst", "difference", "low", "high", "trials_best", "trials_worst")
LEVEL_COLUMNS = ("factor", "within", "level", "prediction", "low", "high", "trials")


@dataclass(frozen=True)
class AccuracyModel:
    """The model's answers.

    Attributes:
        effects: one row per factor (`EFFECT_COLUMNS`), largest difference first: its best
            and worst level, the difference of their predicted accuracy with its interval, and
            the trials at each.
        levels: one row per factor and level: `prediction` (partial dependence at a full run)
            with a 95% interval (`low`, `high`), and `trials`.
        tests: one row per factor (`TEST_COLUMNS`): its test's p-value, Holm-adjusted, and the
            verdict's kind with the reason for a "cannot tell".
        factors: the hyperparameters the modelled trials varied.
        trials: trials modelled (those that reached `epoch`); `measured`: trials with an accuracy
            that neither diverged nor failed.
        epoch: the epoch trials are compared at (`comparison_epoch`); `full_run`: a full run's.
        full_model: whether every factor was judged in one model holding all the others.
        r_squared: of the model of the factors that change accuracy (None without a fit).
        diverged: the diverged trials' rows of trials.parquet, reported apart.
        parents: factor → the factor its range depends on, as modelled (see `_Design`).
    """

    effects: pd.DataFrame
    levels: pd.DataFrame
    tests: pd.DataFrame
    factors: tuple[Factor, ...]
    trials: int
    measured: int
    epoch: int | None
    full_run: int | None
    full_model: bool
    r_squared: float | None
    diverged: pd.DataFrame
    parents: dict[str, str] = field(default_factory=dict)

    def kind(self, factor: str) -> str:
        return str(self._test(factor)["kind"])

    def reason(self, factor: str) -> str:
        return str(self._test(factor)["reason"] or "")

    def effect(self, factor: str) -> pd.Series | None:
        rows = self.effects[self.effects["factor"] == factor]
        return rows.iloc[0] if len(rows) else None

    def beats(self, factor: str) -> bool:
        """"A beat B" may be said: the factor's test passes, and its best level's lead over its
        worst excludes zero with enough trials on each side."""
        row = self.effect(factor)
        return (row is not None and self.kind(factor) in (DRIVER, SMALL)
                and distinguishable(row["low"], row["high"], row["trials_best"], row["trials_worst"]))

    def detail(self, factor: str) -> str:
        """The factor's best value against its worst, in words."""
        row = self.effect(factor)
        if row is None or pd.isna(row["difference"]):
            return ""
        within = f"with {value_text(self.parents[factor], row['within'])}, " if pd.notna(row["within"]) else ""
        if self.beats(factor):
            prefix = f"{prefix_of(factor)} " if prefix_of(factor) else ""
            return (f"{within}{prefix}{row['best']} beat {prefix}{row['worst']} by {points(row['difference'])} "
                    f"({interval_text(row['low'], row['high'])}; {row['trials_best']} vs {row['trials_worst']} "
                    f"trials)")
        if self.kind(factor) == NO_EVIDENCE:  # its interval alone would read as a finding the test does not make
            return (f"{within}best {row['best']}, worst {row['worst']}: {points(row['difference'])} apart, as chance "
                    f"could make it among {len(self.factors)} factors: p = {self._test(factor)['adjusted_p']:.2f} "
                    f"after the correction")
        return (f"{within}best {row['best']}, worst {row['worst']}: {points(row['difference'])}, "
                f"{interval_text(row['low'], row['high'])}")

    def basis(self) -> str:
        how = ("every factor judged in one model holding all the others" if self.full_model else
               "each factor judged holding the factors that explain accuracy and those that varied with it")
        fit = f"; R² {self.r_squared:.2f}" if self.r_squared is not None else ""
        reached = (f"all {self.trials} trials" if self.trials == self.measured
                   else f"{self.trials} of {self.measured} trials")
        early = ("" if self.epoch == self.full_run else
                 f", where differences are smaller than after a full run of {self.full_run}")
        return (f"linear model of each trial's best validation accuracy by epoch {self.epoch}, which {reached} "
                f"reached{early}; {how}, Holm-corrected across {plural(len(self.factors), 'factor')} at "
                f"{FAMILY_CONFIDENCE:.0%}{fit}")

    def _test(self, factor: str) -> pd.Series:
        return self.tests[self.tests["factor"] == factor].iloc[0]


def modelled_trials(trials: pd.DataFrame, epochs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the trials with a measured accuracy that neither diverged nor failed nor replay another,
    with `epochs_run`; the diverged trials)."""
    own = trials[trials["reused_from"].isna()] if "reused_from" in trials else trials
    diverged = own[own["state"] == "diverged"]
    kept = own[~own["state"].isin(EXCLUDED)]
    rows = _measured(epochs, kept)
    ran = rows.groupby("trial_id").agg(epochs_run=("epoch", "max"))
    return kept.merge(ran, left_on="trial_id", right_index=True, how="inner").reset_index(drop=True), diverged


def comparison_epoch(epochs_run: pd.Series) -> int:
    """The latest epoch that at least `COMPARED_SHARE` of the trials reached."""
    reached = np.sort(epochs_run.astype(int).to_numpy())[::-1]
    return int(reached[math.ceil(COMPARED_SHARE * len(reached)) - 1])


def fit_accuracy_model(trials: pd.DataFrame, epochs: pd.DataFrame, parents: dict[str, str] | None = None
                       ) -> AccuracyModel:
    """Fit on the trials that reached the comparison epoch (see the module docstring);
    `parents` maps a factor to the one its range depends on (`factors.conditional_on`)."""
    measured, diverged = modelled_trials(trials, epochs)
    full_run = _full_run_epoch(trials)
    epoch = comparison_epoch(measured["epochs_run"]) if len(measured) else None
    table = measured[measured["epochs_run"] >= epoch] if epoch is not None else measured
    if epoch is not None:
        rows = _measured(epochs, table)
        best = rows[rows["epoch"] <= epoch].groupby("trial_id")["val_acc"].max().rename("accuracy")
        table = table.merge(best, left_on="trial_id", right_index=True).reset_index(drop=True)
    factors = tuple(varied_factors(table))
    empty = (pd.DataFrame(columns=list(EFFECT_COLUMNS)), pd.DataFrame(columns=list(LEVEL_COLUMNS)))
    if len(table) < 2 * MIN_TRIALS_PER_SIDE or not factors:
        tests = pd.DataFrame([cannot_tell(f.name, f"at least {2 * MIN_TRIALS_PER_SIDE} measured trials are needed")
                              for f in factors], columns=list(TEST_COLUMNS))
        return AccuracyModel(*empty, tests, factors, len(table), len(measured), epoch, full_run, False, None,
                             diverged)
    design = _Design(table, factors, parents or {})
    y = table["accuracy"].to_numpy(dtype=float)
    together = varied_together(table, list(factors))
    judgements, full = judged(y, design.blocks, [f.name for f in factors], design.fixed,
                              {n: tuple(p) for n, p in together.items()},
                              lambda name, fit: _p_value(name, fit, design.parents))
    fits = {name: fit for name, (fit, _) in judgements.items()}
    effects, levels = [], []
    for factor in factors:
        factor_levels = design.levels(factor, fits[factor.name])
        levels += factor_levels
        effects.append(_best_against_worst(factor, factor_levels, fits[factor.name]))
    effects = pd.DataFrame(effects, columns=list(EFFECT_COLUMNS))
    tests = verdict_table([_factor_test(f, *judgements[f.name], effects) for f in factors], together,
                          "accuracy")
    real = list(tests.loc[tests["kind"].isin((DRIVER, SMALL)), "factor"])
    r_squared = Fit(y, design.blocks, real).r_squared() if real else None
    return AccuracyModel(effects.sort_values("difference", ascending=False, ignore_index=True, na_position="last"),
                         pd.DataFrame(levels, columns=list(LEVEL_COLUMNS)),
                         tests, factors, len(table), len(measured), epoch,
                         full_run, full, r_squared, diverged, design.parents)


def _measured(epochs: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    rows = epochs[epochs["trial_id"].isin(trials["trial_id"])]
    return rows[np.isfinite(pd.to_numeric(rows["val_acc"], errors="coerce").astype(float))]


def _full_run_epoch(trials: pd.DataFrame) -> int | None:
    epochs = pd.to_numeric(trials["max_epochs"], errors="coerce").dropna()
    return int(epochs.mode().iloc[0]) if len(epochs) else None


class _Design:
    """The trials' columns, per factor its block (`blocks[name]`), and the lr × batch-size
    product (`fixed`, in every model). A numeric factor whose range depends on a categorical one
    (the learning rate on the optimizer, `parents`) gets a slope per value of its parent, in its
    position within that value's range (its value less their mean), and one curvature; its
    parent's block then compares the parent's values mid-range."""

    def __init__(self, table: pd.DataFrame, factors: tuple[Factor, ...], parents: dict[str, str]):
        self.table, self.factors = table, factors
        self._named = named = {f.name: f for f in factors}
        self.parents = {x: p for x, p in parents.items() if x in named and named[x].numeric
                        and p in named and not named[p].numeric}
        self.centres: dict[tuple[str, str | None], tuple[float, tuple[float, ...]]] = {}
        self.interaction = INTERACTION_BLOCK if all(n in named and named[n].numeric for n in INTERACTION) else None
        self.interaction_centres = tuple(float(named[n].transform(table[n]).mean()) for n in INTERACTION
                                         ) if self.interaction else ()
        self.fixed = [self.interaction] if self.interaction else []
        self.blocks = self.blocks_of(table)

    def blocks_of(self, table: pd.DataFrame, changed: set[str] | None = None) -> dict[str, np.ndarray]:
        """Every block's columns for the configurations in `table` (centred as on the trials);
        a factor with a parent also has its one curve across every range (`overall`). With
        `changed`, `table` holds trials' rows with only those factors changed: the other blocks
        are the trials' own."""
        blocks = {}
        if self.interaction is not None:
            if changed is None or set(INTERACTION) & changed:
                lr, batch = (self._named[n].transform(table[n]).to_numpy(dtype=float) for n in INTERACTION)
                (lr_mean, batch_mean) = self.interaction_centres
                blocks[self.interaction] = ((lr - lr_mean) * (batch - batch_mean))[:, None]
            else:
                blocks[self.interaction] = self.blocks[self.interaction][table.index]
        for factor in self.factors:
            if changed is not None and factor.name not in changed:
                blocks[factor.name] = self.blocks[factor.name][table.index]
                if factor.name in self.parents:
                    blocks[overall(factor.name)] = self.blocks[overall(factor.name)][table.index]
                continue
            blocks[factor.name] = self._block(factor, table)
            if factor.name in self.parents:
                scaled = factor.transform(table[factor.name]).to_numpy(dtype=float)
                blocks[overall(factor.name)] = self._curve(factor.name, None, scaled)
        return blocks

    def _block(self, factor: Factor, table: pd.DataFrame) -> np.ndarray:
        if not factor.numeric:
            labels = factor.transform(table[factor.name])
            return np.column_stack([(labels == level).to_numpy(dtype=float)
                                    for level in factor.levels if level != factor.reference])
        scaled = factor.transform(table[factor.name]).to_numpy(dtype=float)
        parent = self.parents.get(factor.name)
        if parent is None:
            return self._curve(factor.name, None, scaled)
        parent_factor = self._named[parent]
        mine = parent_factor.transform(table[parent]).to_numpy()
        slopes = np.column_stack([self._curve(factor.name, group, scaled)[:, :1] * (mine == group)[:, None]
                                  for group in parent_factor.levels])
        return np.column_stack([slopes, self._curve(factor.name, None, scaled)[:, 1:]])

    def _curve(self, name: str, group: str | None, scaled: np.ndarray) -> np.ndarray:
        """Centred value and square (each power centred), over the trials of one value of the
        factor's parent or of all; as many powers as the trials have distinct values less one,
        `DEGREE` at most."""
        if (name, group) not in self.centres:
            values = self.table[name] if group is None else self.table.loc[
                self._named[self.parents[name]].transform(self.table[self.parents[name]]) == group, name]
            own = self._named[name].transform(values).to_numpy(dtype=float)
            mean = float(own.mean()) if len(own) else 0.0
            degree = max(1, min(DEGREE, len(np.unique(own)) - 1))
            self.centres[(name, group)] = (mean, tuple(float(((own - mean) ** k).mean()) if len(own) else 0.0
                                                       for k in range(1, degree + 1)))
        mean, powers = self.centres[(name, group)]
        centred = scaled - mean
        return np.column_stack([centred ** k - (powers[k - 1] if k > 1 else 0.0) for k in range(1, len(powers) + 1)])

    def weights(self, fit: Fit, table: pd.DataFrame, changed: set[str]) -> np.ndarray:
        """Coefficient weights of the mean prediction for the configurations in `table` (trials'
        rows with the `changed` factors set)."""
        blocks = self.blocks_of(table, changed)
        return np.column_stack([np.ones(len(table)), *[blocks[n] for n in fit.names]]).mean(axis=0)

    def _set(self, trials: pd.DataFrame, name: str, value) -> pd.DataFrame:
        """The configurations with `name` set to `value`, and any factor whose range depends on
        it moved to the middle of the new range (the median of the trials there), where its
        curve is fitted: an AdamW learning rate is not carried over to plain SGD."""
        changed = trials.assign(**{name: value})
        for child, parent in self.parents.items():
            if parent == name:
                there = self.table.loc[self.table[parent].astype(str) == str(value), child]
                changed[child] = float(there.median()) if len(there) else changed[child]
        return changed

    def levels(self, factor: Factor, fit: Fit | None) -> list[dict]:
        """Each level's predicted accuracy: every trial's configuration with the factor set to
        the level (its median value there), averaged; for a factor with a parent, per parent
        value over its trials, in up to `LEVELS_WITHIN` bins of its range."""
        parent = self.parents.get(factor.name)
        if parent is None:
            groups = [(None, self.table, level_labels(self.table[factor.name], factor.scale).astype(object))]
        else:
            by_parent = level_labels(self.table[parent], "categorical").astype(object)
            groups = [(group, self.table[by_parent == group],
                       level_labels(self.table.loc[by_parent == group, factor.name], factor.scale,
                                    LEVELS_WITHIN).astype(object))
                      for group in sorted(by_parent.dropna().unique(), key=str)]
        rows = []
        for group, trials, labels in groups:
            for level in [level for level in pd.unique(labels.dropna()) if level is not None]:
                at = trials[labels == level]
                row = {"factor": factor.name, "within": group, "level": str(level), "prediction": math.nan,
                       "low": math.nan, "high": math.nan, "trials": len(at)}
                if fit is not None:
                    value = at[factor.name].iloc[0] if not factor.numeric else float(at[factor.name].median())
                    changed = {factor.name, *[c for c, p in self.parents.items() if p == factor.name]}
                    weights = self.weights(fit, self._set(trials, factor.name, value), changed)
                    estimate, low, high = fit.contrast(weights, CONFIDENCE)
                    row.update(prediction=estimate, low=low, high=high, weights=weights)
                rows.append(row)
        return _in_level_order(rows, factor)


def _in_level_order(rows: list[dict], factor: Factor) -> list[dict]:
    """Rows by parent value, then in the factor's own order of levels (numeric ones by value)."""
    def key(row: dict) -> tuple:
        level = row["level"]
        position = factor.levels.index(level) if level in factor.levels else math.inf
        first = level.split("–")[0]
        try:
            number = float(first)
        except ValueError:
            number = math.inf
        return (str(row["within"]), position if position != math.inf else number, level)

    return sorted(rows, key=key)


def _best_against_worst(factor: Factor, levels: list[dict], fit: Fit | None) -> dict:
    """The best and worst level (within one value of the factor's parent, for a factor with one)
    among those with enough trials, and the interval of their difference at 95% over every pair
    at once; the pair with the largest difference when there are several parent values."""
    row = {"factor": factor.name, "within": None, "best": None, "worst": None, "difference": math.nan,
           "low": math.nan, "high": math.nan, "trials_best": 0, "trials_worst": 0}
    groups: dict[str | None, list[dict]] = {}
    for level in levels:
        if not math.isnan(level["prediction"]):
            groups.setdefault(level["within"], []).append(level)
    chosen = {}
    for group, rows in groups.items():
        eligible = [r for r in rows if r["trials"] >= MIN_TRIALS_PER_SIDE]
        candidates = eligible if len(eligible) >= 2 else (rows if len(groups) == 1 else [])
        if len(candidates) >= 2:
            chosen[group] = candidates
    if not chosen or fit is None:
        return row
    pairs = sum(len(c) * (len(c) - 1) / 2 for c in chosen.values())
    best_pairs = [(max(c, key=lambda r: r["prediction"]), min(c, key=lambda r: r["prediction"]), group)
                  for group, c in chosen.items()]
    best, worst, group = max(best_pairs, key=lambda bw: bw[0]["prediction"] - bw[1]["prediction"])
    difference, low, high = fit.contrast(best["weights"] - worst["weights"], 1 - (1 - CONFIDENCE) / pairs)
    return {**row, "within": group, "best": best["level"], "worst": worst["level"], "difference": difference,
            "low": low, "high": high, "trials_best": best["trials"], "trials_worst": worst["trials"]}


def overall(name: str) -> str:
    """The block of a factor's one curve across its parent's ranges."""
    return f"{name} overall"


def _p_value(name: str, fit: Fit | None, parents: dict[str, str]) -> float:
    """The factor's test in the model that judges it: its block's F test (with the lr × batch
    column, for either of the two); for a parent, whether it and its children's slopes add
    anything to one curve of each child across every range, so that an optimizer is not
    credited with what its learning rates did."""
    if fit is None:
        return math.nan
    children = [child for child, parent in parents.items() if parent == name and child in fit.offsets]
    shared = [INTERACTION_BLOCK] if name in INTERACTION and INTERACTION_BLOCK in fit.offsets else []
    return fit.f_test([name, *children, *shared], instead=[overall(child) for child in children])


def _factor_test(factor: Factor, fit: Fit | None, p_value: float, effects: pd.DataFrame) -> FactorTest:
    """The factor's test (`_p_value`). A categorical factor needs two values with enough trials;
    a numeric one is tested on its curve, whatever the trials per bin. Its effect is meaningful
    unless its best value's measured lead is under `MEANINGFUL_POINTS`."""
    effect = effects[effects["factor"] == factor.name].iloc[0]
    enough = factor.numeric or min(effect["trials_best"], effect["trials_worst"]) >= MIN_TRIALS_PER_SIDE
    small = pd.notna(effect["difference"]) and abs(effect["difference"]) < MEANINGFUL_POINTS
    return FactorTest(factor.name, fit, p_value, bool(enough), not small)


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
