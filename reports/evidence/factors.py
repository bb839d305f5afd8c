"""The hyperparameters a search varied, as factors a model can fit and a sentence can name.

A factor is categorical (architecture, optimizer, activation, ...) or numeric on the scale a
person reasons in (`trainables.hyperparameters.TABLE`): the learning rate and the weight decay
in decades, the batch size in halvings. The time model may ask for a batch size with a few
values as categorical (`varied_factors(batch_levels=True)`). Its levels group trials for
counting and comparing: a categorical factor's values; a numeric factor's values when they are
a few round ones (a grid, a search's choices), else log-scale bins (`reports.binning`) — or,
for a linear factor such as dropout, at most three bins of equal count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency

from experiment.schema import SPACE, SPACE_SPEC
from reports.binning import log_groups
from reports.evidence.rules import MIN_TRIALS_PER_SIDE
from reports.experiment import HYPERPARAMETERS
from reports.hyperparameters import format_value
from spaces import SPACES
from spaces.files import SpaceFileError, space_from_spec
from spaces.space import Conditional
from trainables.hyperparameters import BY_NAME

REFERENCES = {**{row.name: format_value(row.default) for row in BY_NAME.values()}, "device": "cpu",
              "precision": "fp32"}
"""The level others are compared with: each hyperparameter's default (the study's own setup
where it has one), the CPU and full precision."""
MAX_LEVELS = 6
MAX_LR_LEVELS = 8  # a learning rate ranges over decades: bins of 1 and 3 × 10^k where trials allow
MAX_BATCH_LEVELS = 8
TOGETHER_P = 0.05
"""Two factors *varied together* when a chi-square test of their levels' independence across the
trials gives p below this: loose on purpose, since holding a partner costs only power."""


@dataclass(frozen=True)
class Factor:
    """One varied hyperparameter (or the device).

    Attributes:
        name: its column in trials.parquet.
        scale: "categorical", or how a numeric value is transformed ("log2", "log10", "linear").
        levels: labels of its levels, in order (values, or bins of a numeric factor).
        reference: the level a categorical factor's other levels are compared with.
    """

    name: str
    scale: str
    levels: tuple[str, ...]
    reference: str | None = None

    @property
    def numeric(self) -> bool:
        return self.scale != "categorical"

    def transform(self, values: pd.Series) -> pd.Series:
        """Numeric values on the factor's scale (log2 batch, log10 lr); categoricals as labels."""
        if not self.numeric:
            return values.map(_label)
        numbers = pd.to_numeric(values, errors="coerce").astype(float)
        if self.scale == "log2":
            return np.log2(numbers)
        if self.scale == "log10":
            return np.log10(numbers + BY_NAME[self.name].log_floor)
        return numbers


def varied_factors(trials: pd.DataFrame, extra: tuple[str, ...] = (), batch_levels: bool = False) -> list[Factor]:
    """Every hyperparameter (and column of `extra`, such as `device`) with more than one value.

    With `batch_levels`, a batch size with a few values is categorical, each value its own
    effect: seconds per epoch are not a power of it (batch 1 pays a per-step cost on every
    image, 8,192 runs out of cache)."""
    factors = []
    for name in (*HYPERPARAMETERS, *extra):
        if name not in trials or trials[name].dropna().nunique() < 2:
            continue
        scale = BY_NAME[name].scale if name in BY_NAME else "categorical"
        if batch_levels and name == "batch_size" and trials[name].dropna().nunique() <= MAX_BATCH_LEVELS:
            scale = "categorical"
        labels = level_labels(trials[name], scale)
        levels = tuple(str(c) for c in labels.cat.categories if (labels == c).any())
        reference = None
        if scale == "categorical":
            counts = labels.astype(object).value_counts()
            preferred = REFERENCES.get(name)
            # the study's value when enough trials used it, else the most common value
            reference = preferred if counts.get(preferred, 0) >= MIN_TRIALS_PER_SIDE else str(counts.index[0])
        factors.append(Factor(name, scale, levels, reference))
    return factors


def level_labels(values: pd.Series, scale: str, max_levels: int | None = None) -> pd.Series:
    """Each trial's level as an ordered categorical (null where the value is); a sampled
    numeric factor in at most `max_levels` log-scale bins, when given."""
    if scale == "categorical":
        labels = values.map(lambda v: _label(v) if pd.notna(v) else None)
        order = sorted(labels.dropna().unique(), key=_natural_key)
        return pd.Series(pd.Categorical(labels, categories=order, ordered=True), index=values.index)
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if scale == "linear" or numbers.dropna().nunique() <= MAX_LEVELS and (numbers == 0).any():
        return _equal_count_bins(numbers)  # a few values, 0 among them (weight decay): each its own level
    if scale == "log2" and numbers.dropna().nunique() <= MAX_BATCH_LEVELS:
        return _value_levels(numbers)  # a search's batch sizes (128 is not "round" to log_groups)
    most = max_levels or (MAX_LR_LEVELS if scale == "log10" else MAX_LEVELS)
    return log_groups(numbers.where(numbers > 0), max_groups=most)


def level_values(trials: pd.DataFrame, factor: Factor) -> dict[str, float | str]:
    """The value each level stands for in a model: a categorical's label, a numeric level's
    median (on the factor's scale) over the trials in it."""
    if not factor.numeric:
        return {level: level for level in factor.levels}
    labels = level_labels(trials[factor.name], factor.scale).astype(object)
    scaled = factor.transform(trials[factor.name])
    return {level: float(scaled[labels == level].median()) for level in factor.levels}


def trial_counts(trials: pd.DataFrame, factor: Factor) -> dict[str, int]:
    labels = level_labels(trials[factor.name], factor.scale).astype(object)
    return {level: int((labels == level).sum()) for level in factor.levels}


def conditional_on(summary: dict | None) -> dict[str, str]:
    """Factor → the factor its range depends on in the experiment's space (the learning rate
    and the weight decay on the optimizer, in `full`); empty when the space is unknown."""
    summary = summary or {}
    try:
        space = (space_from_spec(summary[SPACE_SPEC], SPACES) if summary.get(SPACE_SPEC)
                 else SPACES.get(str(summary.get(SPACE))))
    except SpaceFileError:
        space = None
    if space is None:
        return {}
    return {name: dimension.on for name, dimension in space.dimensions.items() if isinstance(dimension, Conditional)}


def varied_together(trials: pd.DataFrame, factors: list[Factor]) -> dict[str, dict[str, float]]:
    """Factor → the factors that varied with it across `trials` (`TOGETHER_P`), each with the
    strength of the association (Cramér's V, 0 to 1): the learning rate with the optimizer
    whose range it is drawn from, or whatever a sampler such as TPE tried together."""
    codes = {f.name: pd.factorize(level_labels(trials[f.name], f.scale).astype(object))[0] for f in factors}
    together: dict[str, dict[str, float]] = {f.name: {} for f in factors}
    for i, a in enumerate(factors):
        for b in factors[i + 1:]:
            both = (codes[a.name] >= 0) & (codes[b.name] >= 0)
            table = np.zeros((codes[a.name].max() + 1, codes[b.name].max() + 1))
            np.add.at(table, (codes[a.name][both], codes[b.name][both]), 1)
            table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
            if min(table.shape) < 2:
                continue
            chi2, p_value, _, _ = chi2_contingency(table, correction=False)
            if p_value < TOGETHER_P:
                strength = math.sqrt(chi2 / table.sum() / (min(table.shape) - 1))
                together[a.name][b.name] = together[b.name][a.name] = float(strength)
    return together


def _equal_count_bins(numbers: pd.Series, bins: int = 3) -> pd.Series:
    """At most `bins` ranges with about as many trials each, labelled "0–0.2"."""
    present = numbers.dropna()
    if present.nunique() <= MAX_LEVELS:
        return _value_levels(numbers)
    edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)))
    names = [f"{format_value(float(lo))}–{format_value(float(hi))}" for lo, hi in zip(edges[:-1], edges[1:])]
    binned = pd.cut(numbers, bins=edges, labels=names, include_lowest=True)
    return pd.Series(pd.Categorical(binned.astype(object).where(binned.notna(), None), categories=names,
                                    ordered=True), index=numbers.index)


def _value_levels(numbers: pd.Series) -> pd.Series:
    """Each distinct value its own level, in numeric order."""
    distinct = np.sort(numbers.dropna().unique())
    labels = {v: format_value(int(v) if float(v).is_integer() and v >= 1 else float(v)) for v in distinct}
    return pd.Series(pd.Categorical(numbers.map(lambda v: labels.get(v)), categories=list(labels.values()),
                                    ordered=True), index=numbers.index)


def _label(value: object) -> str:
    return format_value(bool(value)) if isinstance(value, (bool, np.bool_)) else format_value(value)


def _natural_key(label: str) -> tuple:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, math.inf, label)


