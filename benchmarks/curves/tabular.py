"""Searches replayed on the recorded curves themselves: no surrogate, no model error.

The surrogate lets a sampler propose any configuration, at the price of its model error. Here
the only configurations are the recorded ones: each seed serves them in its own random order
(random search without replacement, as tabular benchmarks do), every epoch reports exactly
what was measured, and the clock advances by the measured seconds. With the configurations
in the same order for every arm, arms that differ only in their early stopping — the rung
rankings — are compared paired by seed on real curves. A search that has seen every recorded
configuration ends there. Only the early stopping can be compared this way (a sampler would
propose configurations that were never recorded).
"""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd

from benchmarks.curves.design import sobol_configs
from benchmarks.curves.record import SETTING, epoch_seconds
from benchmarks.curves.simulator import Curve, NoStopping, ProjectHalving, Stopper, Trace, simulate
from search.scheduling import SuccessiveHalving
from search.scheduling.successive_halving import Ranking
from spaces.space import SearchSpace


class TableCurves:
    """A configuration's recorded curve, looked up by the configuration itself."""

    def __init__(self, table: pd.DataFrame, space: SearchSpace):
        configs = sobol_configs(space)
        seconds = epoch_seconds(table)
        self.configs: list[dict] = []
        self._curves: dict[tuple, Curve] = {}
        for config_id, rows in table.assign(seconds=seconds).sort_values("epoch").groupby("config_id"):
            config = configs[int(config_id)]
            self.configs.append(config)
            self._curves[_key(config)] = Curve(rows["val_acc"].to_numpy(float), rows["val_loss"].to_numpy(float),
                                               rows["seconds"].to_numpy(float))

    def __call__(self, config: dict) -> Curve:
        return self._curves[_key(config)]


def _key(config: dict) -> tuple:
    return tuple(sorted(config.items()))


def replay(curves: TableCurves, space: SearchSpace, stopper: Stopper, seed: int, budget_s: float,
           slots: int = 2) -> Trace:
    """One random-order search over the recorded configurations (the order set by `seed`)."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=seed))
    for index in np.random.default_rng(seed).permutation(len(curves.configs)):
        study.enqueue_trial(space.params_of(curves.configs[index]))
    return simulate(space, study, stopper, curves, slots=slots, budget_s=budget_s, max_epochs=SETTING["max_epochs"],
                    samples=len(curves.configs))


def compare_halving(table: pd.DataFrame, space: SearchSpace, variants: dict[str, tuple[int, int, Ranking]],
                    seeds: int, minutes: tuple[int, ...]) -> pd.DataFrame:
    """One row per seed and strategy — random-full, then successive halving for each variant's
    (first rung, η, ranking) — with the best accuracy by each of `minutes`."""
    curves = TableCurves(table, space)
    rows = []
    for seed in range(seeds):
        for name, halving in {"random-full": None, **variants}.items():
            stopper = NoStopping() if halving is None else ProjectHalving(SuccessiveHalving(
                max_t=SETTING["max_epochs"], grace_period=halving[0], reduction_factor=halving[1], ranking=halving[2]))
            trace = replay(curves, space, stopper, seed, 60 * max(minutes))
            rows.append({"arm": name, "seed": seed, **{f"best_{m}min": trace.best_by(60 * m) for m in minutes}})
    return pd.DataFrame(rows)
