"""The knee of the accuracy–training-time front of full runs, and the near-best trials beside it.

The knee is the trial where more training time stops buying much accuracy. It is found with
the maximum-distance-to-chord rule of Kneedle (Satopää, Albrecht, Irwin and Raghavan, "Finding
a 'Kneedle' in a Haystack", ICDCS Workshops 2011):

1. Take the Pareto front of the full runs (`full_run_front`): accuracy up, training time down.
2. Normalise log10(training time) and best validation accuracy over the front to [0, 1], so the
   fastest front point sits at (0, 0) and the most accurate at (1, 1). Time is taken on a log
   scale because training budgets are compared as ratios ("3× faster"), as on the report's
   accuracy-against-time chart.
3. The knee is the front point farthest *above* the chord joining those two ends, i.e. with the
   largest `accuracy' - log_time'`: the most accuracy kept per share of (log) time spent.
4. When no front point lies strictly above the chord — a front of one or two points, or one
   that bends the other way — there is no bend to find, and the knee is the most accurate
   point: no cheaper trial buys a better-than-proportional saving.

Ties go to the faster trial; exact duplicates to the first in the trials table.

Only trials whose times are comparable are compared: by default those that ran to the end
(state `complete`; a pruned trial's time covers fewer epochs, a diverged one's is cut short),
with a finite accuracy and a finite, positive training time (the log needs it). Pure
functions of the trials table, so every answer can be worked out by hand:

    table = near_best_table(experiment.trials)   # best, fastest within 1/2/5 points, knee
    knee_sentence(table)  # "The knee, trial b, reaches 99.2% of the best accuracy in 2.0× less ..."

A search's third question — the best model that trains in at most T seconds — gets rows of its
own, "best in ≤ T s": for the limit the user gave the search (`--max-train-time-s`), else for the
quartiles of its full runs' times (`time_limits`), so it is answered without a special search:

    limits = time_limits(trials, user_limit_s=None)          # e.g. (100.0, 400.0)
    table = near_best_table(trials, limits=limits)
    limits_sentence(table, limits, user_limit=False)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reports.evidence.rules import FASTER
from reports.hyperparameters import config_text
from reports.pareto import ACCURACY, TIME, front_candidates, pareto_front, time_saving
from reports.wording import plural

FULL_RUNS = ("complete",)
TOLERANCES = (0.01, 0.02, 0.05)
"""Accuracy a near-best trial may give up, as fractions (1, 2 and 5 points)."""
LIMIT_ROW = "best in ≤ "
"""How the label of a row that answers a time limit starts (`limit_label`)."""
QUARTILES = (0.25, 0.5, 0.75)
"""Without a limit from the user, the time limits are these quantiles of the full runs' times."""
COLUMNS = ("label", "trial_id", ACCURACY, TIME, "speedup", "points_given_up", "config")
_TIE = 1e-12


def full_run_front(trials: pd.DataFrame, states: tuple[str, ...] = FULL_RUNS) -> pd.DataFrame:
    """The Pareto front of the trials in `states` with comparable, loggable numbers; fastest first."""
    return pareto_front(full_runs(trials, states))


def full_runs(trials: pd.DataFrame, states: tuple[str, ...] = FULL_RUNS) -> pd.DataFrame:
    """Trials in `states` with a finite accuracy and a finite, positive training time, that learnt
    more than the majority class (`reports.pareto.front_candidates`)."""
    return _measured(front_candidates(trials[trials["state"].isin(states)]))


def knee(front: pd.DataFrame) -> pd.Series | None:
    """The knee of an accuracy/time front (see the module docstring); None for an empty front.

    `front` is normally `full_run_front(trials)`. Rows off its Pareto front, and rows without a
    finite accuracy and a finite, positive time, are ignored, so any table is safe to pass
    (states are not filtered here: that is `full_run_front`'s job).
    """
    ordered = _fastest_first(pareto_front(_measured(front)))
    if ordered.empty:
        return None
    log_time = np.log10(ordered[TIME].to_numpy(dtype=float))
    accuracy = ordered[ACCURACY].to_numpy(dtype=float)
    lift = _unit(accuracy) - _unit(log_time)  # √2 × the signed distance above the chord
    if lift.max() <= _TIE:
        return _most_accurate(ordered)
    return ordered.iloc[int(np.flatnonzero(lift >= lift.max() - _TIE)[0])]


def near_best_table(trials: pd.DataFrame, states: tuple[str, ...] = FULL_RUNS,
                    limits: tuple[float, ...] = ()) -> pd.DataFrame:
    """The best full run, the fastest within 1, 2 and 5 points of it, the knee, and the best that
    trains in at most each of `limits` seconds.

    One row each, labelled "best", "fastest within 1 point", "fastest within 2 points",
    "fastest within 5 points", "knee" and `limit_label(T)` for each limit T that some full run
    fits (a trial may fill several rows). Columns: `COLUMNS`; `speedup` is the best trial's time
    over the row's, `points_given_up` is 100 × the accuracy below the best, `config` is
    `config_text`. Empty (with those columns) when no trial in `states` has comparable numbers.
    """
    pool = full_runs(trials, states)
    if pool.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    best = time_saving(pool, tolerance=0.0, states=states).best
    picks = [("best", best)]
    picks += [(f"fastest within {plural(round(100 * t), 'point')}", time_saving(pool, t, states).fastest)
              for t in TOLERANCES]
    picks.append(("knee", knee(full_run_front(pool, states))))
    for limit in limits:
        row, label = best_within(pool, limit), limit_label(limit)
        if row is not None and label not in dict(picks):  # limits that read alike get one row
            picks.append((label, row))
    return pd.DataFrame([_table_row(label, row, best) for label, row in picks], columns=list(COLUMNS))


def time_limits(trials: pd.DataFrame, user_limit_s: float | None,
                states: tuple[str, ...] = FULL_RUNS) -> tuple[float, ...]:
    """The training-time limits to tell the best full run for: the one the user gave the search,
    else the quartiles of its full runs' times (each a full run's own time — numpy's "lower"
    quantile — so at least a quarter, a half and three quarters of them fit); increasing,
    without repeats; none without a full run."""
    if user_limit_s is not None:
        return (float(user_limit_s),)
    times = full_runs(trials, states)[TIME].to_numpy(dtype=float)
    if len(times) == 0:
        return ()
    return tuple(sorted({float(np.quantile(times, q, method="lower")) for q in QUARTILES}))


def best_within(pool: pd.DataFrame, limit_s: float) -> pd.Series | None:
    """The most accurate row of `pool` that trained in ≤ `limit_s` (ties: the faster, then the
    first); None when none did."""
    fitting = _fastest_first(pool[pool[TIME].to_numpy(dtype=float) <= limit_s])
    return None if fitting.empty else _most_accurate(fitting)


def limit_label(limit_s: float) -> str:
    """The label of the row that answers a time limit."""
    return f"{LIMIT_ROW}{_seconds(limit_s)} s"


def limits_sentence(table: pd.DataFrame, limits: tuple[float, ...], user_limit: bool) -> str:
    """One sentence on the "best in ≤ T s" rows of `near_best_table(trials, limits=limits)`:
    what each limit buys, against the best full run; says so when no full run fits a limit."""
    if table.empty or not limits:
        return ""
    rows = table.set_index("label")
    best = rows.loc["best"]
    parts = []
    for limit in limits:
        if limit_label(limit) not in rows.index:
            parts.append(f"no full run trained in ≤ {_seconds(limit)} s")
            continue
        row = rows.loc[limit_label(limit)]
        given_up = "the best full run itself" if row["trial_id"] == best["trial_id"] else (
            f"{row['points_given_up']:.1f} points below the best, {row['speedup']:.1f}× faster")
        parts.append(f"in ≤ {_seconds(limit)} s, trial {row['trial_id']}: {row[ACCURACY]:.1%} in "
                     f"{row[TIME]:,.1f} s ({given_up})")
    basis = ("Within the limit this search was given (--max-train-time-s)" if user_limit else
             "Within the quartiles of the full runs' training times")
    return f"{basis}: {'; '.join(parts)}."


def knee_sentence(table: pd.DataFrame) -> str:
    """One plain-text sentence on the knee of `near_best_table(trials)`, for the headline."""
    if table.empty:
        return "No trial ran to the end, so there is no front of full runs to find a knee on."
    rows = table.set_index("label")
    best, point = rows.loc["best"], rows.loc["knee"]
    if point["trial_id"] == best["trial_id"]:
        return (f"The most accurate trial is also the knee: trial {best['trial_id']}, {best[ACCURACY]:.1%} in "
                f"{best[TIME]:,.1f} s (config {best['config']}).")
    if point["speedup"] < FASTER:
        return (f"Nothing on the front buys a real saving: its knee, trial {point['trial_id']}, trains only "
                f"{point['speedup']:.1f}× faster than the best (under the {FASTER:g}× a saving must reach; "
                f"{point[ACCURACY]:.1%} in {point[TIME]:,.1f} s against {best[ACCURACY]:.1%} in {best[TIME]:,.1f} s).")
    return (f"The knee, trial {point['trial_id']}, reaches {point[ACCURACY] / best[ACCURACY]:.1%} of the best "
            f"accuracy in {point['speedup']:.1f}× less training time ({point[ACCURACY]:.1%} in {point[TIME]:,.1f} s "
            f"against trial {best['trial_id']}'s {best[ACCURACY]:.1%} in {best[TIME]:,.1f} s; "
            f"config {point['config']}).")


def _table_row(label: str, row: pd.Series, best: pd.Series) -> dict:
    return {"label": label, "trial_id": row["trial_id"], ACCURACY: float(row[ACCURACY]), TIME: float(row[TIME]),
            "speedup": float(best[TIME]) / float(row[TIME]),
            "points_given_up": 100 * (float(best[ACCURACY]) - float(row[ACCURACY])), "config": config_text(row)}


def _measured(table: pd.DataFrame) -> pd.DataFrame:
    accuracy = pd.to_numeric(table[ACCURACY], errors="coerce").to_numpy(dtype=float)
    time = pd.to_numeric(table[TIME], errors="coerce").to_numpy(dtype=float)
    return table[np.isfinite(accuracy) & np.isfinite(time) & (time > 0)]


def _fastest_first(front: pd.DataFrame) -> pd.DataFrame:
    return front.sort_values([TIME, ACCURACY], ascending=[True, False], kind="stable")


def _most_accurate(ordered: pd.DataFrame) -> pd.Series:
    """The first (so the fastest) of the rows tied at the top accuracy of a fastest-first table."""
    accuracy = ordered[ACCURACY].to_numpy(dtype=float)
    return ordered.iloc[int(np.flatnonzero(accuracy >= accuracy.max() - _TIE)[0])]


def _unit(values: np.ndarray) -> np.ndarray:
    """`values` scaled so the first is 0 and the last 1; all zeros when they do not spread."""
    span = values[-1] - values[0]
    return (values - values[0]) / span if span > 0 else np.zeros_like(values)


def _seconds(value: float) -> str:
    """Seconds as a limit is read: three significant digits below 100 s, whole seconds above."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
