"""Least squares over factors, each factor judged in a model that holds the others fixed.

Shared by the time and accuracy models. A factor is judged by the F test of its block of
columns in the model that judges it (`judging_fits`), its p-value by permutation
(`permutation_p`), and its effects are contrasts of that model's coefficients with t intervals. Which model:

- the *full* model, every varied factor at once, when the trials leave at least as many
  residual degrees of freedom as it has columns: nothing is selected, so its tests and
  intervals are valid as they stand;
- otherwise, per factor, the factor and the factors that varied with it (`partners`), plus the
  controls that explain the response beyond them (strict forward selection over the others),
  in the spirit of post-double-selection (Belloni, Chernozhukov & Hansen 2014): whatever the
  factor could stand in for is held, so its test measures it alone; a control chosen on the
  response only shrinks the noise it is measured against.

Selection never outruns the data: a control enters only when its F test passes at 5% over the
candidates (Bonferroni), and only while the model keeps `MIN_RESIDUAL_DF`. Fits are statsmodels' OLS.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable

import numpy as np
import statsmodels.api as sm
from scipy.stats import f as f_distribution

from reports.evidence.rules import holm, passes

MIN_RESIDUAL_DF = 5
"""The fewest residual degrees of freedom a model that judges a factor may leave (its p-value,
by permutation, needs no more; its intervals widen as they fall)."""
ENTRY = 0.05
"""A control enters a judging model when its F test passes at this level over the candidates."""
PASSES = 3
PERMUTATIONS = 4999
"""Permutations behind each p-value: enough to resolve Holm's smallest threshold for a dozen
factors at 99% (0.01 / 12) four times over."""


class Fit:
    """OLS of `y` on an intercept and the named blocks' columns, in that order."""

    def __init__(self, y: np.ndarray, blocks: dict[str, np.ndarray], names: Iterable[str]):
        self.y, self.blocks = y, blocks
        self.offsets: dict[str, int] = {}
        columns, start = [np.ones((len(y), 1))], 1
        for name in names:
            self.offsets[name] = start
            columns.append(blocks[name])
            start += blocks[name].shape[1]
        self.design = np.column_stack(columns)
        with warnings.catch_warnings():  # a design may alias columns (a curve nested in another): least squares copes
            warnings.simplefilter("ignore")
            self.result = sm.OLS(y, self.design).fit()
        self.residual_df = float(self.result.df_resid)

    @property
    def names(self) -> list[str]:
        return list(self.offsets)

    def columns_of(self, name: str) -> slice:
        start = self.offsets[name]
        return slice(start, start + self.blocks[name].shape[1])

    def f_test(self, names: Iterable[str], instead: Iterable[str] = ()) -> float:
        """p-value of the F test that the named blocks add nothing to the rest of this model (or,
        with `instead`, to the rest with those blocks, which the named ones must span), by
        permutation (`permutation_p`); NaN when they cannot be told apart from the rest (no
        column of theirs is estimable)."""
        names = set(names)
        rest = Fit(self.y, self.blocks, [*[n for n in self.offsets if n not in names], *instead])
        if self.result.df_model <= rest.result.df_model or self.residual_df < 1:
            return math.nan
        return permutation_p(self.y, self.design, rest.design)

    def contrast(self, weights: np.ndarray, confidence: float) -> tuple[float, float, float]:
        """(estimate, low, high) of `weights` · coefficients with a t interval at `confidence`;
        NaNs when the trials cannot estimate it (its columns alias others')."""
        if not self.estimable(weights):
            return math.nan, math.nan, math.nan
        test = self.result.t_test(weights.reshape(1, -1))
        low, high = test.conf_int(alpha=1 - confidence)[0]
        return float(np.squeeze(test.effect)), float(low), float(high)

    def estimable(self, weights: np.ndarray) -> bool:
        """Whether `weights` · coefficients is a function of the fitted values (lies in the
        row space of the design), so least squares estimates it whatever aliases there are."""
        projected = weights @ np.linalg.pinv(self.design) @ self.design
        return bool(np.allclose(projected, weights, atol=1e-6 * max(1.0, float(np.abs(weights).max()))))

    def r_squared(self) -> float:
        return float(self.result.rsquared) if self.offsets else 0.0


def permutation_p(y: np.ndarray, full: np.ndarray, reduced: np.ndarray, seed: int = 0) -> float:
    """p-value of the F statistic of `full` against the `reduced` design nested in it, by
    Freedman & Lane's permutation of the reduced model's residuals: it holds whatever the errors'
    distribution (accuracies stuck at the majority class, a slow node's epochs), where the F
    distribution assumes them normal and, with a few trials at a level, errs towards claims."""
    project_full, project_reduced = full @ np.linalg.pinv(full), reduced @ np.linalg.pinv(reduced)
    df_num = np.linalg.matrix_rank(full) - np.linalg.matrix_rank(reduced)
    df_den = len(y) - np.linalg.matrix_rank(full)
    fitted = project_reduced @ y
    residuals = y - fitted
    rng = np.random.default_rng(seed)
    permuted = np.column_stack([y, *[fitted + residuals[rng.permutation(len(y))] for _ in range(PERMUTATIONS)]])
    ssr_full = np.sum((permuted - project_full @ permuted) ** 2, axis=0)
    ssr_reduced = np.sum((permuted - project_reduced @ permuted) ** 2, axis=0)
    statistic = (ssr_reduced - ssr_full) / df_num / np.maximum(ssr_full / df_den, 1e-300)
    return float((1 + np.sum(statistic[1:] >= statistic[0] * (1 - 1e-9))) / (PERMUTATIONS + 1))


def width(blocks: dict[str, np.ndarray], names: Iterable[str]) -> int:
    """Columns of the named blocks, with the intercept."""
    return 1 + sum(blocks[name].shape[1] for name in names)


def affordable(rows: int, columns: int) -> bool:
    """Whether `rows` trials can fit the full model of `columns` columns and keep as many
    residual degrees of freedom as columns (and at least `MIN_RESIDUAL_DF`)."""
    return rows - columns >= max(MIN_RESIDUAL_DF, columns)


def judged(y: np.ndarray, blocks: dict[str, np.ndarray], factors: list[str], fixed: list[str],
           partners: dict[str, tuple[str, ...]], test: Callable[[str, Fit], float]
           ) -> tuple[dict[str, tuple[Fit | None, float]], bool]:
    """Each factor's judging model (None when the trials cannot afford one) and the p-value of
    `test` in it; and whether it is the full model (see the module docstring). `fixed` blocks are
    in every model.

    Without the full model, a factor is judged in passes: in the first, holding what varied with
    it and the controls selection finds beside it; in the next, also holding every factor whose
    test passed (Holm), since two strong factors can hide each other from a strict selection
    and a factor that happened to vary with an unheld one would take its effect; until the
    factors that pass stop changing (`PASSES` at most)."""
    everything = [*fixed, *factors]
    if affordable(len(y), width(blocks, everything)):
        full = Fit(y, blocks, everything)
        return {name: (full, test(name, full)) for name in factors}, True
    confirmed: set[str] = set()
    for _ in range(PASSES):
        fits = {name: _judging_fit(y, blocks, name, factors, [*fixed, *partners.get(name, ())],
                                   sorted(confirmed - {name} - set(partners.get(name, ())))) for name in factors}
        p_values = {name: test(name, fit) if fit is not None else math.nan for name, fit in fits.items()}
        passed = {name for name, adjusted in holm(p_values).items() if passes(adjusted)}
        if passed == confirmed:
            break
        confirmed = passed
    return {name: (fits[name], p_values[name]) for name in factors}, False


def _judging_fit(y: np.ndarray, blocks: dict[str, np.ndarray], name: str, factors: list[str], kept: list[str],
                 held: list[str]) -> Fit | None:
    """`name` with `kept` (never dropped), `held` and the controls forward selection adds beside
    them, trimmed to keep `MIN_RESIDUAL_DF` (None when even `kept` cannot be)."""
    chosen = forward_selection(y, blocks, [f for f in factors if f != name and f not in kept and f not in held],
                               [*kept, *held, name])
    return _trimmed_fit(y, blocks, [f for f in chosen if f != name], name, keep=kept)


def forward_selection(y: np.ndarray, blocks: dict[str, np.ndarray], candidates: list[str],
                      fixed: list[str]) -> list[str]:
    """From the `fixed` blocks, add the candidate whose F test against the model so far has the
    smallest p-value while that p-value is below `ENTRY` over the candidates left (Bonferroni)
    and the model keeps `MIN_RESIDUAL_DF` residual degrees of freedom. Strict on purpose: a
    control chosen on noise would shrink the residuals every judged factor is measured against."""
    chosen = list(fixed)
    ssr, rank = _least_squares(y, blocks, chosen)
    while True:
        left = [name for name in candidates if name not in chosen]
        scored = []
        for name in left:
            if len(y) - width(blocks, [*chosen, name]) < MIN_RESIDUAL_DF:
                continue
            new_ssr, new_rank = _least_squares(y, blocks, [*chosen, name])
            df_num, df_den = new_rank - rank, len(y) - new_rank
            if df_num > 0 and df_den > 0 and new_ssr > 0:
                scored.append((float(f_distribution.sf((ssr - new_ssr) / df_num / (new_ssr / df_den), df_num, df_den)),
                               name, new_ssr, new_rank))
        best = min(scored, default=None)
        if best is None or best[0] >= ENTRY / len(left):
            return chosen
        _, name, ssr, rank = best
        chosen.append(name)


def _least_squares(y: np.ndarray, blocks: dict[str, np.ndarray], names: list[str]) -> tuple[float, int]:
    """(residual sum of squares, rank) of the fit, without statsmodels' bookkeeping: selection
    fits hundreds of candidates."""
    design = np.column_stack([np.ones(len(y)), *[blocks[name] for name in names]])
    coefficients, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.sum((y - design @ coefficients) ** 2)), int(rank)


def _trimmed_fit(y: np.ndarray, blocks: dict[str, np.ndarray], held: list[str], name: str,
                 keep: list[str]) -> Fit | None:
    """The fit of `held` + `name`, dropping the last-chosen controls not in `keep` until it keeps
    `MIN_RESIDUAL_DF` residual degrees of freedom; None if even `keep` + `name` cannot."""
    held = list(held)
    while len(y) - width(blocks, [*held, name]) < MIN_RESIDUAL_DF:
        droppable = [h for h in held if h not in keep]
        if not droppable:
            return None
        held.remove(droppable[-1])
    return Fit(y, blocks, [*held, name])
