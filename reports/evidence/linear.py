"""Least squares with factors entered a group of columns at a time, chosen by BIC.

Shared by the time and accuracy models: a search has ~20 trials and ~20 columns of
hyperparameters, so a model of every factor would leave no residual degrees of freedom.
Forward selection adds the factor that lowers BIC most until none does; a factor left out is
judged by adding it alone to the selected model (`judge`). Fits are statsmodels' OLS.
"""

from __future__ import annotations

import math

import numpy as np
import statsmodels.api as sm

MIN_RESIDUAL_DF = 2


class Fit:
    """OLS of `y` on an intercept and the named factors' columns, in that order."""

    def __init__(self, y: np.ndarray, blocks: dict[str, np.ndarray], names: list[str]):
        self.blocks = blocks
        self.offsets: dict[str, int] = {}
        columns, start = [np.ones((len(y), 1))], 1
        for name in names:
            self.offsets[name] = start
            columns.append(blocks[name])
            start += blocks[name].shape[1]
        self.design = np.column_stack(columns)
        self.result = sm.OLS(y, self.design).fit()
        self.residual_df = len(y) - start

    @property
    def names(self) -> list[str]:
        return list(self.offsets)

    def bic(self) -> float:
        """BIC, with the residual variance floored so that an exact fit stays finite."""
        n = self.result.nobs
        return n * math.log(max(self.result.ssr / n, 1e-12)) + (n - self.residual_df) * math.log(n)

    def contrast(self, weights: np.ndarray, confidence: float) -> tuple[float, float, float]:
        """(estimate, low, high) of `weights` · coefficients, a t interval at `confidence`."""
        test = self.result.t_test(weights.reshape(1, -1))
        low, high = test.conf_int(alpha=1 - confidence)[0]
        return float(np.squeeze(test.effect)), float(low), float(high)

    def columns_of(self, name: str) -> slice:
        start = self.offsets[name]
        return slice(start, start + self.blocks[name].shape[1])

    def r_squared(self) -> float:
        return float(self.result.rsquared) if self.offsets else 0.0


def forward_selection(y: np.ndarray, blocks: dict[str, np.ndarray]) -> Fit:
    """Add the factor that lowers BIC most until none does (or the residual df would run out)."""
    current = Fit(y, blocks, [])
    while True:
        candidates = [Fit(y, blocks, [*current.names, name]) for name in blocks if name not in current.offsets
                      and current.residual_df - blocks[name].shape[1] >= MIN_RESIDUAL_DF]
        best = min(candidates, key=Fit.bic, default=None)
        if best is None or best.bic() >= current.bic():
            return current
        current = best


def judge(y: np.ndarray, selected: Fit, name: str) -> Fit | None:
    """The fit in which factor `name` is judged: the selected one if it holds it, else the
    selected one with it added (None when that leaves too few residual degrees of freedom)."""
    if name in selected.offsets:
        return selected
    if selected.residual_df - selected.blocks[name].shape[1] < MIN_RESIDUAL_DF:
        return None
    return Fit(y, selected.blocks, [*selected.names, name])
