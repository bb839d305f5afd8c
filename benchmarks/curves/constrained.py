"""The constrained question in the simulator: the most accurate full run that trains in ≤ T.

A user who must keep training under T seconds has four ways to get a model, compared here at
equal compute, paired by seed (each strategy's search runs on the same seed's noisy world):

- `limit`: `--max-train-time-s T` — the project's search told the limit (TPE's constraint on
  the `full_run_time_s` user attribute, successive halving's stop for a trial projected past T);
- `accuracy`: the project's default search, its full runs filtered to T afterwards;
- `pareto`: `--objective pareto`, filtered to T afterwards;
- `random`: random search, every trial to the end (`random-full`), filtered to T afterwards.

A strategy's answer at a budget is the best validation accuracy among its full runs that ended
by then and trained in ≤ T (a full run's best epoch, as `trials.parquet`'s `best_val_acc` and
`best/` take it); a seed with none counts at the majority-class accuracy, what a model that
trains in no time gets. The limits are percentiles of the recorded table's full-run times.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np
import pandas as pd

from benchmarks.curves.arms import Setting, build
from benchmarks.curves.record import SETTING, epoch_seconds
from benchmarks.curves.simulate import World, world_curves
from benchmarks.curves.simulator import Trace, simulate

PERCENTILES = (10, 25, 50)
"""The limits: these percentiles of the recorded table's full-run times."""
MINUTES = (5, 10, 20, 60)
STRATEGIES = {"limit": "project", "accuracy": "project", "pareto": "pareto", "random": "random-full"}
"""Each strategy's arm (`benchmarks.curves.arms`); `limit` runs it with `max_train_time_s`."""
LIMITED = "limit"
GAIN = ("limit", "accuracy", 25, 20)
"""`constrained_gain=`: `limit` − `accuracy` at the 25th-percentile limit, 20 minutes."""


def table_limits(table: pd.DataFrame, percentiles: tuple[int, ...] = PERCENTILES,
                 max_epochs: int = SETTING["max_epochs"]) -> dict[int, float]:
    """Percentile → seconds: the full-run times (every epoch's seconds summed) of the recorded
    configurations that trained all `max_epochs` epochs (a diverged curve's time is cut short)."""
    seconds = epoch_seconds(table).groupby(table["config_id"]).sum()
    epochs = table.groupby("config_id")["epoch"].max()
    full = seconds[epochs.reindex(seconds.index) >= max_epochs].to_numpy(dtype=float)
    return {p: float(np.percentile(full, p)) for p in percentiles}


def best_within(trace: Trace, limit_s: float, by_s: float) -> float:
    """The best validation accuracy among the full runs that ended by `by_s` and trained in
    ≤ `limit_s`; NaN when there is none."""
    fitting = [run.best_val_acc for run in trace.full_runs if run.ended_s <= by_s and run.train_time_s <= limit_s]
    return max(fitting) if fitting else float("nan")


def searches(strategies: list[str], seeds: Iterable[int], setting: Setting, world: World, limits: dict[int, float],
             noise: bool = True, same_arch: bool = False) -> Iterator[tuple[str, int, int | None, Trace]]:
    """(strategy, seed, percentile of its limit or None, trace) of every search: one per seed for
    the strategies filtered afterwards, one per seed and limit for `limit`; seed by seed."""
    for seed in seeds:
        for strategy in strategies:
            runs = limits.items() if strategy == LIMITED else [(None, None)]
            for percentile, limit_s in runs:
                arm = build(STRATEGIES[strategy], replace(setting, max_train_time_s=limit_s), seed)
                curves = world_curves(world, seed, noise, same_arch)
                trace = simulate(setting.space, arm.study, arm.stopper, curves, slots=setting.slots,
                                 budget_s=setting.budget_s, max_epochs=setting.max_epochs, samples=setting.samples,
                                 reuse=arm.reuse)
                yield strategy, seed, percentile, trace


def constrained_rows(strategy: str, seed: int, percentile: int | None, trace: Trace, limits: dict[int, float],
                     minutes: tuple[int, ...] = MINUTES) -> list[dict]:
    """One row per limit the search answers (its own, or every limit when filtered afterwards)
    with its best fitting accuracy by each of `minutes`."""
    answered = {percentile: limits[percentile]} if percentile is not None else limits
    return [{"strategy": strategy, "seed": seed, "percentile": p, "limit_s": limit_s,
             **{f"best_{m}min": best_within(trace, limit_s, 60 * m) for m in minutes}}
            for p, limit_s in answered.items()]


def with_floor(rows: pd.DataFrame, floor: float) -> pd.DataFrame:
    """`rows` with a missing answer (no full run fits yet) counted at `floor`."""
    columns = [c for c in rows if c.startswith("best_")]
    return rows.assign(**{c: rows[c].fillna(floor) for c in columns})


def summary_table(rows: pd.DataFrame, floor: float) -> pd.DataFrame:
    """Per limit and strategy, per budget: the median best fitting accuracy in % (95% interval over
    seeds), and [the seeds that had a fitting full run at all]."""
    table = []
    counted = with_floor(rows, floor)
    for percentile in sorted(rows["percentile"].unique()):
        for strategy in [s for s in STRATEGIES if s in set(rows["strategy"])]:
            chosen = (rows["percentile"] == percentile) & (rows["strategy"] == strategy)
            group, raw = counted[chosen], rows[chosen]
            row = {"limit": f"P{percentile}: ≤ {group['limit_s'].iloc[0]:.1f} s", "strategy": strategy}
            for column in [c for c in rows if c.startswith("best_")]:
                values = group[column]
                row[column.removeprefix("best_").replace("min", " min")] = (
                    f"{100 * values.median():.1f} ({100 * values.quantile(0.025):.1f}–"
                    f"{100 * values.quantile(0.975):.1f}) [{int(raw[column].notna().sum())}/{len(values)}]")
            table.append(row)
    return pd.DataFrame(table)


def paired_gain(rows: pd.DataFrame, floor: float, strategy: str, other: str, percentile: int, minutes: int,
                seed: int = 0) -> tuple[float, float, float]:
    """`strategy` − `other` at one limit and budget, paired by seed: mean points of accuracy and a
    bootstrap 95% interval (a seed with no fitting full run counts at `floor`)."""
    counted = with_floor(rows, floor)
    column = f"best_{minutes}min"
    mine = counted[(counted["strategy"] == strategy) & (counted["percentile"] == percentile)].set_index("seed")
    theirs = counted[(counted["strategy"] == other) & (counted["percentile"] == percentile)].set_index("seed")
    diff = 100 * (mine[column] - theirs[column]).dropna().to_numpy()
    rng = np.random.default_rng(seed)
    boot = [rng.choice(diff, len(diff)).mean() for _ in range(2000)]
    return float(diff.mean()), float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))


def gains_table(rows: pd.DataFrame, floor: float, minutes: tuple[int, ...] = MINUTES) -> pd.DataFrame:
    """`limit` against each other strategy, per limit and budget: mean paired points (95% CI)."""
    table = []
    for percentile in sorted(rows["percentile"].unique()):
        for other in [s for s in STRATEGIES if s != LIMITED and s in set(rows["strategy"])]:
            row = {"limit": f"P{percentile}", "limit − …": other}
            for m in minutes:
                mean, low, high = paired_gain(rows, floor, LIMITED, other, percentile, m)
                row[f"{m} min"] = f"{mean:+.2f} ({low:+.2f}…{high:+.2f})"
            table.append(row)
    return pd.DataFrame(table)


def gain_line(rows: pd.DataFrame, floor: float) -> str:
    strategy, other, percentile, minutes = GAIN
    if f"best_{minutes}min" not in rows:
        return f"constrained_gain=n/a (the searches ended before {minutes} minutes)"
    mean, low, high = paired_gain(rows, floor, strategy, other, percentile, minutes)
    return f"constrained_gain={mean:+.2f} (95% CI {low:+.2f}…{high:+.2f})"

