"""What drives training time: a log-linear model of seconds per epoch over every timed epoch.

Every trial that trained an epoch measured its seconds, whatever its fate (complete, pruned,
diverged, failed), so all of them are evidence; a reused trial replays another's seconds and
adds none. Per trial the response is the median log seconds of its epochs after the first (the
first carries warm-up; a one-epoch trial keeps it), and the last epoch of a diverged trial is
left out (it stopped part-way). log(seconds) is linear in the factors: a categorical value
multiplies time by a factor against a reference value (arch3 against arch1), a numeric one per
step (halving the batch, ten times the lr). A full run's time is this per-epoch time × epochs.

Factors enter by forward selection on BIC (`reports.evidence.linear`); a selected factor's
effect and 95% interval come from the selected model, a factor left out is judged by adding it
alone to it. A factor
*drives* time when an interval excludes 1× and its effect is at least `MEANINGFUL` (1.25×);
when every interval holds 1× there is no evidence it matters.

    model = fit_time_model(experiment.trials, experiment.epochs)
    model.effects      # one row per contrast: ratio, low, high, trials
    model.sentence()   # "Architecture and batch size drive the training time per epoch …"
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from reports.evidence.factors import Factor, level_labels, trial_counts, varied_factors
from reports.evidence.linear import MIN_RESIDUAL_DF, Fit, forward_selection, judge
from reports.evidence.rules import MIN_TRIALS_PER_SIDE, interval_text, join_names, name_of, prefix_of, ratio_text
from reports.wording import plural

AMBIGUOUS_BIC = 2.0
"""A stand-in factor that fits within this much BIC of a selected one explains the times as well."""
MEANINGFUL = 1.25
"""A time effect smaller than this (either way) is real perhaps, but not worth acting on."""
CONFIDENCE = 0.95
COLUMNS = ("factor", "contrast", "ratio", "low", "high", "trials", "selected")
STEPS = {"log2": (-1.0, "halving the"), "log10": (1.0, "ten times the")}  # halving the batch; ten times the lr


@dataclass(frozen=True)
class TimeModel:
    """The fitted model's answers.

    Attributes:
        effects: one row per contrast (`COLUMNS`): a categorical level against the reference,
            or a numeric factor's step; `ratio` is the multiplicative effect on seconds per
            epoch with its interval (`low`, `high`; NaN when it cannot be had), at `CONFIDENCE`
            for all of a factor's contrasts at once (Bonferroni), so a factor with five values
            is not five chances of a false "real".
        factors: the factors the search varied (and the device, where it varied).
        selected: the factors in the selected model, in the order they entered.
        trials: trials with a timed epoch (the rows of the fit).
        epochs: timed epochs behind them.
        r_squared: of the selected model on log seconds.
        confounded: selected factor → a factor left out that explains the times as well in
            its place (the search varied them together), so neither can be named.
    """

    effects: pd.DataFrame
    factors: tuple[Factor, ...]
    selected: tuple[str, ...]
    trials: int
    epochs: int
    r_squared: float | None
    confounded: dict[str, str] = field(default_factory=dict)

    def verdict(self, factor: str) -> str:
        """"driver", "small" (interval excludes 1×, effect under MEANINGFUL), "none" (every
        interval holds 1×), "confounded" (another factor explains the times as well) or
        "unknown" (no interval: too few trials)."""
        if factor in self.confounded:
            return "confounded"
        rows = self.effects[self.effects["factor"] == factor]
        judged = rows[rows["trials"] >= MIN_TRIALS_PER_SIDE].dropna(subset=["low", "high"])
        if judged.empty:
            return "unknown"
        excludes = (judged["low"] > 1) | (judged["high"] < 1)
        if not excludes.any():
            return "none"
        big = judged[excludes]["ratio"].map(lambda r: max(r, 1 / r) >= MEANINGFUL)
        return "driver" if big.any() else "small"

    def drivers(self) -> list[str]:
        """Factors that drive time, the largest effect first."""
        found = [f.name for f in self.factors if self.verdict(f.name) == "driver"]
        return sorted(found, key=lambda name: -self._largest(name))

    def sentence(self) -> str:
        if self.trials < MIN_TRIALS_PER_SIDE + 1 or not self.factors:
            what = "no hyperparameter varied" if not self.factors else f"only {plural(self.trials, 'timed trial')}"
            return f"Cannot tell what drives the training time: {what}."
        basis = (f"log-linear fit on {plural(self.epochs, 'timed epoch')} of {plural(self.trials, 'trial')}, every "
                 f"fate counted" + (f"; R² {self.r_squared:.2f}" if self.r_squared is not None else ""))
        drivers = self.drivers()
        parts = []
        if drivers:
            details = "; ".join(self._details(name) for name in drivers)
            verb = "drives" if len(drivers) == 1 else "drive"
            parts.append(f"{join_names(drivers).capitalize()} {verb} the training time per epoch ({basis}): "
                         f"{details}.")
        elif any(self.verdict(f.name) in ("confounded", "unknown") for f in self.factors):
            parts.append(f"Cannot tell what drives the training time per epoch with {plural(self.trials, 'trial')} "
                         f"({basis}).")
        else:
            parts.append(f"No hyperparameter changes the training time per epoch by {MEANINGFUL:g}× or more with "
                         f"confidence ({basis}).")
        small = [f.name for f in self.factors if self.verdict(f.name) == "small"]
        if small:
            parts.append("Real but small (under " + f"{MEANINGFUL:g}×): " +
                         "; ".join(self._details(name) for name in small) + ".")
        none = [f.name for f in self.factors if self.verdict(f.name) == "none"]
        if none:
            parts.append(f"No evidence that {join_names(none)} change{'s' if len(none) == 1 else ''} it: "
                         f"every interval holds 1×{' once the drivers are accounted for' if drivers else ''}.")
        for name, other in self.confounded.items():
            if name not in self.selected:  # each pair once, from the factor the model chose
                continue
            parts.append(f"Cannot tell {name_of(name)} from {name_of(other)} with {plural(self.trials, 'trial')}: "
                         f"they varied together, and either explains the times as well.")
        unknown = [f.name for f in self.factors if self.verdict(f.name) == "unknown"]
        if unknown:
            parts.append(f"Cannot tell for {join_names(unknown)} with {plural(self.trials, 'trial')}: too few "
                         f"trials at some value (at least {MIN_TRIALS_PER_SIDE} each are needed).")
        return " ".join(parts)

    def _largest(self, factor: str) -> float:
        ratios = self.effects.loc[self.effects["factor"] == factor, "ratio"]
        return max(max(r, 1 / r) for r in ratios)

    def _details(self, factor: str) -> str:
        """The factor's contrasts whose intervals exclude 1×, largest first."""
        rows = self.effects[(self.effects["factor"] == factor) & (self.effects["trials"] >= MIN_TRIALS_PER_SIDE)]
        rows = rows[(rows["low"] > 1) | (rows["high"] < 1)]
        rows = rows.reindex(rows["ratio"].map(lambda r: -max(r, 1 / r)).sort_values().index)
        return ", ".join(f"{row['contrast']}: {ratio_text(row['ratio'])} "
                         f"({interval_text(row['low'], row['high'], ratio=True)})" for _, row in rows.iterrows())


def fit_time_model(trials: pd.DataFrame, epochs: pd.DataFrame) -> TimeModel:
    """Fit on every trial with a timed epoch (see the module docstring)."""
    per_trial = seconds_per_epoch(trials, epochs)
    factors = tuple(varied_factors(per_trial, extra=("device", "precision")))
    n_epochs = int(per_trial["timed_epochs"].sum()) if len(per_trial) else 0
    empty = pd.DataFrame(columns=list(COLUMNS))
    if len(per_trial) < MIN_TRIALS_PER_SIDE + 1 or not factors:
        return TimeModel(empty, factors, (), len(per_trial), n_epochs, None)
    y = np.log(per_trial["seconds"].to_numpy(dtype=float))
    selected = forward_selection(y, {f.name: _columns(per_trial, f) for f in factors})
    rows = []
    for factor in factors:
        rows += _contrasts(factor, judge(y, selected, factor.name), per_trial, factor.name in selected.offsets)
    effects = pd.DataFrame(rows, columns=list(COLUMNS))
    return TimeModel(effects, factors, tuple(selected.names), len(per_trial), n_epochs, selected.r_squared(),
                     _confounded(y, selected, effects))


def _confounded(y: np.ndarray, selected: Fit, effects: pd.DataFrame) -> dict[str, str]:
    """Selected factors with an effect (an interval excluding 1×) that another factor could
    replace at no real loss of fit, each paired both ways with its stand-in."""
    found: dict[str, str] = {}
    real = effects[(effects["low"] > 1) | (effects["high"] < 1)]["factor"]
    for name in (n for n in selected.names if n in set(real)):
        rest = [n for n in selected.names if n != name]
        used = sum(selected.blocks[n].shape[1] for n in rest)
        for other, block in selected.blocks.items():
            if other in selected.offsets or len(y) - 1 - used - block.shape[1] < MIN_RESIDUAL_DF:
                continue
            if Fit(y, selected.blocks, [*rest, other]).bic() <= selected.bic() + AMBIGUOUS_BIC:
                found.setdefault(name, other)
                found.setdefault(other, name)
                break
    return found


def seconds_per_epoch(trials: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """One row per trial that timed an epoch: its hyperparameters, `seconds` (the median of its
    epochs after the first, else its first) and `timed_epochs`. Reused trials are left out."""
    own = trials[trials["reused_from"].isna()] if "reused_from" in trials else trials
    timed = epochs[pd.to_numeric(epochs["epoch_time_s"], errors="coerce") > 0].copy()
    timed = timed[~timed["diverged"].fillna(False).astype(bool)]
    timed["log_s"] = np.log(timed["epoch_time_s"].astype(float))
    later = timed[timed["epoch"] > 1]
    first_only = timed[~timed["trial_id"].isin(later["trial_id"])]
    pooled = pd.concat([later, first_only])
    stats = pooled.groupby("trial_id").agg(log_s=("log_s", "median"), timed_epochs=("epoch", "size"))
    table = own.merge(stats, left_on="trial_id", right_index=True, how="inner")
    table["seconds"] = np.exp(table["log_s"])
    return table.reset_index(drop=True)


def _columns(table: pd.DataFrame, factor: Factor) -> np.ndarray:
    """The factor's design columns: one per non-reference level, or its scaled value."""
    if factor.numeric:
        return factor.transform(table[factor.name]).to_numpy(dtype=float)[:, None]
    labels = level_labels(table[factor.name], "categorical").astype(object)
    others = [level for level in factor.levels if level != factor.reference]
    return np.column_stack([(labels == level).to_numpy(dtype=float) for level in others])


def _contrasts(factor: Factor, fit: Fit | None, table: pd.DataFrame, selected: bool) -> list[dict]:
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
               "trials": trials, "selected": selected}
        if fit is not None:
            weights = np.zeros(fit.design.shape[1])
            weights[fit.columns_of(factor.name).start + column] = 1.0
            beta, low, high = fit.contrast(weights, 1 - (1 - CONFIDENCE) / len(contrasts))
            lo, hi = sorted((math.exp(low * step), math.exp(high * step)))
            row.update(ratio=math.exp(beta * step), low=lo, high=hi)
        rows.append(row)
    return rows
