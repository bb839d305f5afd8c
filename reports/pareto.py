"""The numbers behind the headline: the accuracy/time Pareto front, the cheapest near-best
configuration, and the training ASHA did not have to do.

Pure functions of the trials table, so each can be checked against sums done by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiment.full_run import full_run_time_s
from experiment.schema import DIVERGED, FAILED
from trainables.dataset import MAJORITY_ACCURACY
from experiment.pareto import non_dominated

ACCURACY = "best_val_acc"
TIME = "train_time_s"


def front_candidates(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials a front may hold: not diverged or failed (a diverged trial's accuracy is its broken
    weights', its time cut short), and above the majority class (a model that learnt nothing is no
    trade-off, however fast)."""
    accuracy = pd.to_numeric(trials[ACCURACY], errors="coerce")
    return trials[~trials["state"].isin((DIVERGED, FAILED)) & (accuracy > MAJORITY_ACCURACY)]


def pareto_front(trials: pd.DataFrame) -> pd.DataFrame:
    """Trials that no other trial beats on both best validation accuracy and training time.

    A trial is dominated when another is at least as accurate and at least as fast, and
    strictly better in one of the two; exact duplicates do not dominate each other, so both
    stay. Trials missing either number are left out. Sorted by time, fastest first.
    """
    measured = trials.dropna(subset=[ACCURACY, TIME])
    points = np.column_stack([-measured[ACCURACY].to_numpy(dtype=float), measured[TIME].to_numpy(dtype=float)])
    return measured[non_dominated(points)].sort_values([TIME, ACCURACY], ascending=[True, False])


@dataclass(frozen=True)
class TimeSaving:
    """The most accurate trial against the fastest one within `tolerance` of its accuracy."""

    best: pd.Series
    fastest: pd.Series
    tolerance: float

    @property
    def saved_s(self) -> float:
        return float(self.best[TIME] - self.fastest[TIME])

    @property
    def speedup(self) -> float:
        """How many times faster the near-best trial trained (inf if it took no measurable time)."""
        fastest = float(self.fastest[TIME])
        return float(self.best[TIME]) / fastest if fastest > 0 else float("inf")

    @property
    def accuracy_given_up(self) -> float:
        return float(self.best[ACCURACY] - self.fastest[ACCURACY])


def time_saving(trials: pd.DataFrame, tolerance: float = 0.01,
                states: tuple[str, ...] = ("complete",)) -> TimeSaving | None:
    """The fastest trial whose best validation accuracy is within `tolerance` of the best.

    Only trials in `states` compete (by default full runs, whose times are comparable: a
    pruned trial's time covers fewer epochs). Among trials tied at the best accuracy the
    fastest is "the best", so the saving is never inflated by a slow duplicate; among
    equally fast near-best trials the more accurate wins. None when no trial qualifies.
    """
    if tolerance < 0:
        raise ValueError(f"The value of `tolerance` is {tolerance}, but must be `tolerance >= 0`")
    pool = trials[trials["state"].isin(states)].dropna(subset=[ACCURACY, TIME])
    if pool.empty:
        return None
    by_speed = pool.sort_values([TIME, ACCURACY], ascending=[True, False], kind="stable")
    top = by_speed[ACCURACY].max()
    best = by_speed[by_speed[ACCURACY] == top].iloc[0]
    near_best = by_speed[by_speed[ACCURACY] >= top - tolerance - 1e-12]
    return TimeSaving(best=best, fastest=near_best.iloc[0], tolerance=tolerance)


@dataclass(frozen=True)
class AshaSavings:
    """Training done against training a full run of every trial would have needed.

    Attributes:
        epochs_trained: epochs the trials actually ran.
        epochs_full: epochs had every trial run `max_epochs`.
        time_trained_s: training seconds actually spent, over the timed trials.
        time_full_s: estimated seconds had every timed trial run to the end (its seconds
            per epoch times `max_epochs`).
        untimed_trials: trials without an epoch or a time, left out of both time sums.
    """

    epochs_trained: int
    epochs_full: int
    time_trained_s: float
    time_full_s: float
    untimed_trials: int

    @property
    def epochs_saved_fraction(self) -> float | None:
        return 1 - self.epochs_trained / self.epochs_full if self.epochs_full else None

    @property
    def time_saved_fraction(self) -> float | None:
        return 1 - self.time_trained_s / self.time_full_s if self.time_full_s else None


def asha_savings(trials: pd.DataFrame) -> AshaSavings:
    """Sum `epochs` against `max_epochs`, and time against train_time_s / epochs × max_epochs.

    Trials with no known `max_epochs` are left out altogether; a trial with no epochs
    counts its full run in epochs but cannot be timed.
    """
    known = trials.dropna(subset=["max_epochs"])
    epochs = known["epochs"].fillna(0).to_numpy(dtype=float)
    max_epochs = np.maximum(known["max_epochs"].to_numpy(dtype=float), epochs)
    time = known[TIME].to_numpy(dtype=float)
    timed = (epochs > 0) & np.isfinite(time)
    full = [full_run_time_s(t, int(e), int(m)) for t, e, m in zip(time[timed], epochs[timed], max_epochs[timed])]
    return AshaSavings(
        epochs_trained=int(epochs.sum()), epochs_full=int(max_epochs.sum()),
        time_trained_s=float(time[timed].sum()), time_full_s=float(sum(full)),
        untimed_trials=int((~timed).sum()),
    )
