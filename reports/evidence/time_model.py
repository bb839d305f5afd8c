"""What drives training time: a log-linear model of seconds per epoch, warm-up left out.

Every trial that trained past its first epoch measured its seconds per epoch, whatever its fate
(complete, pruned, diverged, failed), so all of them are evidence; a reused trial replays
another's seconds and adds none. Per trial the response is the median log seconds of its epochs
after the first: the first carries warm-up (on a GPU the CUDA context and cuDNN's autotuning),
a cost per trial, not per epoch, which a search that stops most trials after one epoch would
otherwise read as the effect of whatever those trials had in common. A trial that ran only its
first epoch is counted, not fitted. The last epoch of a diverged trial is left out (it stopped
part-way).

log(seconds) is linear in the factors: a categorical value multiplies time by a factor against
a reference value (arch3 against arch1), a numeric one per step (halving the batch, ten times
the lr). Each factor is judged in a model that holds the others (`reports.evidence.linear`):
the F test of its block, Holm-corrected across the factors (`reports.evidence.rules`), and its
contrasts with 95% intervals for all of them at once. A factor *drives* time when its test
passes and a contrast whose interval excludes 1× is at least `MEANINGFUL_RATIO` either way.

    model = fit_time_model(experiment.trials, experiment.epochs)
    model.effects        # one row per contrast: ratio, low, high, trials
    model.kind("arch")   # "driver"
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.evidence.factors import Factor, level_labels, trial_counts, varied_factors, varied_together
from reports.evidence.judgement import TEST_COLUMNS, FactorTest, cannot_tell, verdict_table
from reports.evidence.linear import Fit, judged
from reports.evidence.rules import (CONFIDENCE, DRIVER, FAMILY_CONFIDENCE, MEANINGFUL_RATIO, MIN_TRIALS_PER_SIDE,
                                    SMALL, interval_text, prefix_of, ratio_text)
from reports.wording import plural

EXTRA = ("device", "precision")
COLUMNS = ("factor", "contrast", "ratio", "low", "high", "trials")
STEPS = {"log2": (-1.0, "halving the"), "log10": (1.0, "ten times the")}  # halving the batch; ten times the lr


@dataclass(frozen=True)
class TimeModel:
    """The fitted model's answers.

    Attributes:
        effects: one row per contrast (`COLUMNS`): a categorical level against the reference,
            or a numeric factor's step; `ratio` multiplies seconds per epoch, with its interval
            (`low`, `high`; NaN where the trials cannot estimate it) at `CONFIDENCE` for all of
            a factor's contrasts at once.
        tests: one row per factor (`TEST_COLUMNS`): its test's p-value, Holm-adjusted, and
            the verdict's kind with the reason for a "cannot tell".
        factors: the factors the timed trials varied (and the device, where it varied).
        trials: trials fitted (timed past their first epoch); `first_only`: trials that timed
            only their first epoch, not fitted; `epochs`: epochs fitted.
        full_model: whether every factor was judged in one model holding all the others.
        r_squared: of log seconds on the factors that change it (None without a fit).
    """

    effects: pd.DataFrame
    tests: pd.DataFrame
    factors: tuple[Factor, ...]
    trials: int
    first_only: int
    epochs: int
    full_model: bool
    r_squared: float | None

    def kind(self, factor: str) -> str:
        return str(self._test(factor)["kind"])

    def reason(self, factor: str) -> str:
        return str(self._test(factor)["reason"] or "")

    def detail(self, factor: str) -> str:
        """The factor's contrasts whose intervals exclude 1×, largest first."""
        rows = self._excluding_one(factor)
        rows = rows.reindex(rows["ratio"].map(lambda r: -abs(math.log(r))).sort_values().index)
        return ", ".join(f"{row['contrast']}: {ratio_text(row['ratio'])} "
                         f"({interval_text(row['low'], row['high'], ratio=True)})" for _, row in rows.iterrows())

    def basis(self) -> str:
        """What the verdicts rest on, in words."""
        skipped = (f"; {plural(self.first_only, 'trial')} that ran only the first epoch, which carries warm-up, "
                   f"not fitted" if self.first_only else "")
        how = ("every factor judged in one model holding all the others" if self.full_model else
               "each factor judged holding the factors that explain the times and those that varied with it")
        fit = f"; R² {self.r_squared:.2f}" if self.r_squared is not None else ""
        return (f"log-linear fit on {plural(self.epochs, 'epoch')} after the first of {plural(self.trials, 'trial')}, "
                f"every fate counted{skipped}; {how}, Holm-corrected across {plural(len(self.factors), 'factor')} at "
                f"{FAMILY_CONFIDENCE:.0%}{fit}")

    def _test(self, factor: str) -> pd.Series:
        return self.tests[self.tests["factor"] == factor].iloc[0]

    def _excluding_one(self, factor: str) -> pd.DataFrame:
        rows = self.effects[(self.effects["factor"] == factor) & (self.effects["trials"] >= MIN_TRIALS_PER_SIDE)]
        return rows[(rows["low"] > 1) | (rows["high"] < 1)]


def fit_time_model(trials: pd.DataFrame, epochs: pd.DataFrame) -> TimeModel:
    """Fit on every trial timed past its first epoch (see the module docstring)."""
    per_trial, first_only = seconds_per_epoch(trials, epochs)
    searched = varied_factors(_own(trials), extra=EXTRA, batch_levels=True)
    factors = varied_factors(per_trial, extra=EXTRA, batch_levels=True) if len(per_trial) else []
    n_epochs = int(per_trial["timed_epochs"].sum()) if len(per_trial) else 0
    fitted = {f.name for f in factors}
    unvaried = [cannot_tell(f.name, f"it did not vary among the {plural(len(per_trial), 'trial')} timed past their "
                                f"first epoch") for f in searched if f.name not in fitted]
    if len(per_trial) < MIN_TRIALS_PER_SIDE + 1 or not factors:
        tests = [cannot_tell(f.name, f"only {plural(len(per_trial), 'trial')} ran past the first epoch")
                 for f in factors] + unvaried
        return TimeModel(pd.DataFrame(columns=list(COLUMNS)), pd.DataFrame(tests, columns=list(TEST_COLUMNS)),
                         tuple(searched), len(per_trial), first_only, n_epochs, False, None)
    y = np.log(per_trial["seconds"].to_numpy(dtype=float))
    blocks = {f.name: _columns(per_trial, f) for f in factors}
    together = varied_together(per_trial, factors)
    judgements, full = judged(y, blocks, [f.name for f in factors], [], {n: tuple(p) for n, p in together.items()},
                              lambda name, fit: fit.f_test([name]))
    fits = {name: fit for name, (fit, _) in judgements.items()}
    effects = pd.DataFrame([row for f in factors for row in _contrasts(f, fits[f.name], per_trial)],
                           columns=list(COLUMNS))
    tests = pd.concat([verdict_table([_factor_test(f.name, *judgements[f.name], effects) for f in factors], together,
                                     "the times"), pd.DataFrame(unvaried, columns=list(TEST_COLUMNS))],
                      ignore_index=True)
    real = list(tests.loc[tests["kind"].isin((DRIVER, SMALL)), "factor"])
    r_squared = Fit(y, blocks, real).r_squared() if real else None
    return TimeModel(effects, tests, tuple(searched), len(per_trial), first_only, n_epochs, full, r_squared)


def seconds_per_epoch(trials: pd.DataFrame, epochs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One row per trial timed past its first epoch: its hyperparameters, `seconds` (the median
    of its epochs after the first) and `timed_epochs`; and how many trials timed only their
    first. Reused trials and a diverged trial's last epoch are left out."""
    own = _own(trials)
    timed = epochs[pd.to_numeric(epochs["epoch_time_s"], errors="coerce") > 0].copy()
    timed = timed[timed["trial_id"].isin(own["trial_id"]) & ~timed["diverged"].fillna(False).astype(bool)]
    timed["log_s"] = np.log(timed["epoch_time_s"].astype(float))
    later = timed[timed["epoch"] > 1]
    first_only = int(timed.loc[timed["epoch"] == 1, "trial_id"].isin(later["trial_id"]).eq(False).sum())
    stats = later.groupby("trial_id").agg(log_s=("log_s", "median"), timed_epochs=("epoch", "size"))
    table = own.merge(stats, left_on="trial_id", right_index=True, how="inner")
    table["seconds"] = np.exp(table["log_s"])
    return table.reset_index(drop=True), first_only


def _own(trials: pd.DataFrame) -> pd.DataFrame:
    return trials[trials["reused_from"].isna()] if "reused_from" in trials else trials


def _columns(table: pd.DataFrame, factor: Factor) -> np.ndarray:
    """The factor's design columns: one per non-reference level, or its scaled value."""
    if factor.numeric:
        return factor.transform(table[factor.name]).to_numpy(dtype=float)[:, None]
    labels = level_labels(table[factor.name], "categorical").astype(object)
    others = [level for level in factor.levels if level != factor.reference]
    return np.column_stack([(labels == level).to_numpy(dtype=float) for level in others])


def _contrasts(factor: Factor, fit: Fit | None, table: pd.DataFrame) -> list[dict]:
    """The factor's effect rows: each categorical level against the reference, or a numeric step."""
    counts = trial_counts(table, factor)
    if factor.numeric:
        if factor.scale in STEPS:
            step, words = STEPS[factor.scale]
            label = f"{words} {prefix_of(factor.name)}"
        else:  # linear: from the lowest value tried to the highest
            values = factor.transform(table[factor.name])
            step, label = float(values.max() - values.min()), (f"{prefix_of(factor.name)} {values.min():.3g} → "
                                                                f"{values.max():.3g}")
        contrasts = [(label, step, len(table))]
    else:
        prefix = f"{prefix_of(factor.name)} " if prefix_of(factor.name) else ""
        contrasts = [(f"{prefix}{level} vs {factor.reference}", 1.0, min(counts[level], counts[factor.reference]))
                     for level in factor.levels if level != factor.reference]
    rows = []
    for column, (name, step, trials) in enumerate(contrasts):
        row = {"factor": factor.name, "contrast": name, "ratio": math.nan, "low": math.nan, "high": math.nan,
               "trials": trials}
        if fit is not None:
            weights = np.zeros(fit.design.shape[1])
            weights[fit.columns_of(factor.name).start + column] = 1.0
            beta, low, high = fit.contrast(weights, 1 - (1 - CONFIDENCE) / len(contrasts))
            if not math.isnan(beta):
                lo, hi = sorted((math.exp(low * step), math.exp(high * step)))
                row.update(ratio=math.exp(beta * step), low=lo, high=hi)
        rows.append(row)
    return rows


def _factor_test(name: str, fit: Fit | None, p_value: float, effects: pd.DataFrame) -> FactorTest:
    """The factor's F test; its effect is meaningful when a contrast whose interval excludes 1×
    is at least `MEANINGFUL_RATIO` either way."""
    rows = effects[(effects["factor"] == name) & (effects["trials"] >= MIN_TRIALS_PER_SIDE)]
    excluding = rows[(rows["low"] > 1) | (rows["high"] < 1)]
    meaningful = bool(excluding["ratio"].map(lambda r: max(r, 1 / r) >= MEANINGFUL_RATIO).any())
    return FactorTest(name, fit, p_value, not rows.empty, meaningful)
