"""What the final training trains, and for how long: pure functions of the search's tables.

Members: the search's best distinct configurations by validation accuracy (diverged and failed
trials left out), each with the seed its trial trained with.

How long, when the user gives neither epochs nor a time budget: until the search's recorded
learning curves flatten. The mean validation curve of the search's best complete trials (up to
`CURVES`) is fitted with a saturating power law, acc(e) = a − b·e^(−c) (scipy's `curve_fit`), and
the final training runs the first epoch after which the fitted curve gains less than `FLAT_GAIN`
per epoch, between the search's epochs and `MAX_STRETCH` times them (an extrapolation further out
than that is not worth trusting). The epochs are counted as the search counted them, though an
epoch on all the training images holds more steps: the rule errs toward training longer.

Within a time budget: each member runs as many epochs as its measured seconds per epoch allow —
the training part of the search's epochs scaled by the ratio of training images, plus the
validation pass and per-epoch overhead as measured — after a start-up allowance. Members run side
by side with the search's resources per trial (one CPU each by default: two members on a 2-core
machine), the measurement's own conditions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiment.schema import DIVERGED, FAILED
from trainables.hyperparameters import NAMES, SEED_KEY

CURVES = 5  # complete trials whose mean curve is fitted
FLAT_GAIN = 0.002  # validation accuracy per epoch (0.2 points) below which a curve has flattened
MAX_STRETCH = 4  # the default epochs are at most this many times the search's
STARTUP_S = 30.0  # from the start of the final training to its first epoch: Ray, actors, the data


class RecipeError(ValueError):
    """The search left nothing to train again, or the budget is too short; one line."""


@dataclass(frozen=True)
class Member:
    """One configuration the final training trains again.

    Attributes:
        trial_id: the search trial whose configuration (and seed) it is.
        config: its hyperparameters, with its seed under `SEED_KEY`.
        epochs: how many epochs it trains.
        search_val_acc: the best validation accuracy its trial reached in the search.
        seconds_per_epoch: projected on all the training images (None when not measured).
    """

    trial_id: str
    config: dict[str, Any]
    epochs: int
    search_val_acc: float
    seconds_per_epoch: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def best_configurations(trials: pd.DataFrame, count: int) -> list[pd.Series]:
    """The `count` best distinct configurations by the search's validation accuracy, best first."""
    usable = trials[~trials["state"].isin([DIVERGED, FAILED]) & trials["best_val_acc"].notna()]
    usable = usable.sort_values(["best_val_acc", "optuna_number"], ascending=[False, True], kind="stable")
    chosen, seen = [], set()
    for _, row in usable.iterrows():
        key = tuple(row[name] for name in NAMES)
        if key not in seen:
            seen.add(key)
            chosen.append(row)
        if len(chosen) == count:
            break
    if not chosen:
        raise RecipeError("the search has no finished trial with a validation accuracy; nothing to train again")
    return chosen


def member_config(row: pd.Series) -> dict[str, Any]:
    """A trial's row as a config the trainable takes: its hyperparameters and its seed."""
    config = {name: _plain(row[name]) for name in NAMES}
    if "seed" in row and pd.notna(row["seed"]):
        config[SEED_KEY] = int(row["seed"])
    return config


def flattening_epochs(epochs: pd.DataFrame, trials: pd.DataFrame, max_epochs: int) -> int:
    """The default length of the final training, from the search's recorded curves (module docstring)."""
    complete = trials[(trials["epochs"] >= max_epochs) & ~trials["state"].isin([DIVERGED, FAILED])]
    top = complete.sort_values("last_val_acc", ascending=False).head(CURVES)["trial_id"]
    curves = epochs[epochs["trial_id"].isin(top) & (epochs["epoch"] <= max_epochs)]
    mean = curves.groupby("epoch")["val_acc"].mean().dropna()
    longest = max_epochs * MAX_STRETCH
    if len(mean) < 3:
        return min(longest, 2 * max_epochs)  # too few points to fit a curve through
    fitted = _fit_power_law(mean.index.to_numpy(float), mean.to_numpy(float))
    if fitted is None:
        return min(longest, 2 * max_epochs)  # no curve fits these points
    a, b, c = fitted
    if not b > 0 or not c > 0:
        return max_epochs  # flat or falling already
    # gain from e to e+1 ≈ b·c·e^(−c−1): below FLAT_GAIN from e* = (b·c / FLAT_GAIN)^(1/(c+1)) on
    flat = math.ceil((b * c / FLAT_GAIN) ** (1 / (c + 1)))
    return int(min(max(flat, max_epochs), longest))


def seconds_per_epoch(epochs: pd.DataFrame, trial_id: str, train_scale: float) -> float | None:
    """A trial's seconds per epoch on `train_scale` times the training images it had: its training
    seconds (after the first epoch, which may hold warm-up) scaled, plus its validation pass and the
    rest of an epoch's wall time (checkpoint, report) as measured."""
    rows = epochs[epochs["trial_id"] == trial_id].sort_values("epoch")
    timed = rows.dropna(subset=["epoch_time_s"])
    if timed.empty:
        return None
    later = timed[timed["epoch"] >= 2]
    train_s = float((later if not later.empty else timed)["epoch_time_s"].median())
    eval_s = float(timed["eval_time_s"].median()) if timed["eval_time_s"].notna().any() else 0.0
    walls = rows["reported_at"].diff().dropna()
    other_s = max(0.0, float(walls.median()) - train_s - eval_s) if len(walls) else 0.0
    return train_s * train_scale + eval_s + other_s


def epochs_within(budget_s: float, seconds: float, waves: int = 1) -> int:
    """Whole epochs of `seconds` that fit `budget_s`, shared by `waves` members run one after another
    on each slot, after the start-up allowance."""
    return int(max(0.0, budget_s / waves - STARTUP_S) // seconds)


def plan_members(trials: pd.DataFrame, epochs: pd.DataFrame, count: int, max_epochs: int, train_scale: float,
                 slots: int, given_epochs: int | None = None, budget_s: float | None = None,
                 ) -> tuple[list[Member], str]:
    """The members and their epochs — as given, within the budget, or until the search's curves
    flatten — and the rule that chose them, in words. RecipeError when nothing fits."""
    rows = best_configurations(trials, count)
    waves = math.ceil(len(rows) / max(slots, 1))
    members, rule = [], ""
    default = flattening_epochs(epochs, trials, max_epochs) if given_epochs is None and budget_s is None else None
    for row in rows:
        seconds = seconds_per_epoch(epochs, row["trial_id"], train_scale)
        if given_epochs is not None:
            n, rule = given_epochs, f"{given_epochs} epochs, as asked"
        elif budget_s is not None:
            if seconds is None:
                raise RecipeError(f"trial {row['trial_id']} recorded no epoch time, so no epochs can be fitted to "
                                  "a time budget; give the epochs instead")
            n = epochs_within(budget_s, seconds, waves)
            if n < 1:
                raise RecipeError(f"a budget of {budget_s:g} s is too short for one epoch of trial {row['trial_id']}'s "
                                  f"configuration ({seconds:.0f} s projected on all the training images, after "
                                  f"{STARTUP_S:g} s to start)")
            rule = (f"as many epochs as fit {budget_s:g} s, from the search's seconds per epoch scaled to "
                    f"{train_scale:.2f}× the training images")
        else:
            n, rule = default, (f"{default} epochs: where the search's recorded learning curves flatten (gain "
                                f"< {100 * FLAT_GAIN:.1f} points per epoch)")
        members.append(Member(str(row["trial_id"]), member_config(row), int(n), float(row["best_val_acc"]), seconds))
    return members, rule


def _fit_power_law(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float] | None:
    """(a, b, c) of acc(e) = a − b·e^(−c) fitted to the points, or None when no fit converges."""
    from scipy.optimize import curve_fit

    def curve(e, a, b, c):
        return a - b * np.power(e, -c)

    start = (float(y.max()), max(float(y.max() - y.min()), 1e-3), 0.5)
    try:
        (a, b, c), _ = curve_fit(curve, x, y, p0=start, bounds=([0.0, 0.0, 1e-3], [1.0, 10.0, 10.0]), maxfev=20000)
    except (RuntimeError, ValueError):
        return None
    return float(a), float(b), float(c)


def _plain(value: Any) -> Any:
    """numpy scalars as Python values, so a config is JSON as it is."""
    return value.item() if hasattr(value, "item") else value
