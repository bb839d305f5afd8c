"""Grouping a continuous hyperparameter (the learning rate) into a few readable bins.

Grids keep their own values (a few round numbers such as 0.001, 0.005, 0.01); sampled
values fall into bins whose edges are round numbers on a log scale (1, 2, 5 × 10^k, or
coarser), so "lr 0.01–0.02" reads at a glance.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from reports.hyperparameters import format_value

_MANTISSAS = ((1.0, 2.0, 5.0), (1.0, 3.0), (1.0,))


def log_groups(values: pd.Series, max_groups: int = 6) -> pd.Series:
    """An ordered categorical label per value: the value itself when there are at most
    `max_groups` distinct values and all are round (a grid), else the log-scale bin it
    falls in. Values must be positive; nulls stay null."""
    present = values.dropna().astype(float)
    distinct = np.sort(present.unique())
    if len(distinct) <= max_groups and all(_is_round(v) for v in distinct):
        labels = {v: format_value(float(v)) for v in distinct}
        order = [labels[v] for v in distinct]
        return pd.Series(pd.Categorical(values.map(lambda v: labels.get(float(v)) if pd.notna(v) else None),
                                        categories=order, ordered=True), index=values.index)
    edges = _round_edges(float(distinct[0]), float(distinct[-1]), max_groups)
    labels = [f"{format_value(lo)}–{format_value(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]
    binned = pd.cut(values.astype(float), bins=edges, labels=labels, right=False, include_lowest=True)
    used = [label for label in labels if (binned == label).any()]
    return pd.Series(pd.Categorical(binned.astype(object).where(binned.notna(), None), categories=used,
                                    ordered=True), index=values.index)


def _is_round(value: float) -> bool:
    """True for values a person would type into a grid: two significant digits at most."""
    return math.isclose(value, float(f"{value:.2g}"), rel_tol=1e-9)


def _round_edges(low: float, high: float, max_groups: int) -> list[float]:
    """The finest round edges covering [low, high] with at most `max_groups` bins."""
    for mantissas in _MANTISSAS:
        edges = _edges(low, high, mantissas)
        if len(edges) - 1 <= max_groups:
            return edges
    step = math.ceil((math.log10(high) - math.log10(low) + 1) / max_groups)
    first = math.floor(math.log10(low))
    return [10.0 ** (first + step * i) for i in range(max_groups + 1) if 10.0 ** (first + step * (i - 1)) <= high]


def _edges(low: float, high: float, mantissas: tuple[float, ...]) -> list[float]:
    candidates = [m * 10.0 ** k for k in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 2)
                  for m in mantissas]
    below = [c for c in candidates if c <= low * (1 + 1e-12)]
    above = [c for c in candidates if c > high]
    start, stop = max(below), min(above)
    return [c for c in candidates if start <= c <= stop]
