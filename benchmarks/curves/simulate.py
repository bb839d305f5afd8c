"""`python -m benchmarks.curves simulate`: every arm for many seeds on the surrogate of the
recorded table, on a virtual clock with two trial slots (the 20-minute command's setting).

Per arm and budget (5 … 60 simulated minutes): the median best validation accuracy with its
95% interval over seeds; the training seconds to reach within 1 point of the table's best; and
the hypervolume of the full runs' accuracy–time front. The last lines are the benchmarks':
`compute_ratio=` (random-full's compute to the target over the project's, median, with a
bootstrap 95% interval) and `hypervolume_ratio=` (pareto's over the accuracy objective's).

    python -m benchmarks.curves simulate [--seeds 50] [--budget-s 3600] [--arms project,…]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from benchmarks.curves.arms import ARMS, Setting, build
from benchmarks.curves.record import SETTING, TABLE
from benchmarks.curves.simulator import Trace, simulate
from benchmarks.curves.surrogate import CurveSurrogate, held_out_error
from spaces import SPACES

MINUTES = (5, 10, 20, 30, 40, 60)
MAJORITY = 0.2494  # the accuracy a model that learned nothing scores on PublicTest


def hypervolume(trace: Trace, max_epochs: int, reference_s: float) -> float:
    """Area above the majority class and under `reference_s` dominated by the full runs' front
    (accuracy up, training time down)."""
    full = {}
    for report in trace.reports:
        full.setdefault(report.trial, []).append(report)
    points = sorted((sum(r.seconds for r in rows), rows[-1].val_acc) for rows in full.values()
                    if len(rows) >= max_epochs and rows[-1].epoch == max_epochs)
    area, best = 0.0, MAJORITY
    for seconds, accuracy in points:  # fastest first: each improves the best accuracy so far, or adds nothing
        if accuracy > best and seconds < reference_s:
            area += (accuracy - best) * (reference_s - seconds)
            best = accuracy
    return area


def run(arms: list[str], seeds: int, setting: Setting, surrogate: CurveSurrogate, target: float,
        reference_s: float) -> pd.DataFrame:
    rows = []
    for seed in range(seeds):
        for arm in arms:  # interleaved: every seed runs every arm
            built = build(arm, setting, seed)
            trace = simulate(setting.space, built.study, built.stopper, surrogate.curve, slots=setting.slots,
                             budget_s=setting.budget_s, max_epochs=setting.max_epochs, samples=setting.samples,
                             reuse=built.reuse)
            rows.append({"arm": arm, "seed": seed, **{f"best_{m}min": trace.best_by(60 * m) for m in MINUTES},
                         "compute_to_target_s": trace.compute_to_reach(target), "trials": len(trace.configs),
                         "hypervolume": hypervolume(trace, setting.max_epochs, reference_s)})
    return pd.DataFrame(rows)


def summary(results: pd.DataFrame) -> pd.DataFrame:
    table = []
    for arm, group in results.groupby("arm", sort=False):
        row = {"arm": arm}
        for m in MINUTES:
            values = group[f"best_{m}min"].dropna()
            row[f"{m} min"] = f"{values.median():.3f} ({values.quantile(0.025):.3f}–{values.quantile(0.975):.3f})"
        compute = group["compute_to_target_s"]
        row["reached"] = f"{int(np.isfinite(compute).sum())}/{len(compute)}"
        row["CPU-s to target (median)"] = f"{compute.median():.0f}"
        row["hypervolume (median)"] = f"{group['hypervolume'].median():.1f}"
        table.append(row)
    return pd.DataFrame(table)


def ratio_with_interval(numerator: np.ndarray, denominator: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    """median(numerator) / median(denominator) and a bootstrap 95% interval over seeds."""
    rng = np.random.default_rng(seed)
    ratio = float(np.median(numerator) / np.median(denominator))
    boot = [np.median(rng.choice(numerator, len(numerator))) / np.median(rng.choice(denominator, len(denominator)))
            for _ in range(2000)]
    return ratio, float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.curves simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--budget-s", type=float, default=3600)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--arms", default=",".join(ARMS))
    args = parser.parse_args(argv)
    if not TABLE.exists():
        print(f"benchmarks.curves: error: {TABLE} is missing; record it first (python -m benchmarks.curves record)",
              file=sys.stderr)
        return 2
    table = pq.read_table(TABLE).to_pandas()
    table = table[table["config_id"].isin(table.groupby("config_id")["epoch"].max().index)]
    max_epochs = SETTING["max_epochs"]
    started = time.time()
    error = held_out_error(table, max_epochs)
    surrogate = CurveSurrogate(table, max_epochs)
    finals = table.sort_values("epoch").groupby("config_id").last()
    best = float(finals["val_acc"].max())
    reference_s = float(table.groupby("config_id")["epoch_time_s"].sum().max())
    print(f"table: {table['config_id'].nunique()} configurations, {len(table)} epochs; best final val_acc {best:.4f}")
    print(f"surrogate, held out (grouped 5-fold): val_acc error {100 * error.val_acc:.1f} points per epoch, "
          f"{100 * error.final_val_acc:.1f} at the last; seconds per epoch within ×{error.seconds_ratio:.2f}")
    setting = Setting(SPACES[SETTING["space"]], max_epochs=max_epochs, budget_s=args.budget_s, samples=args.samples)
    results = run(args.arms.split(","), args.seeds, setting, surrogate, best - 0.01, reference_s)
    print(summary(results).to_string(index=False))
    by_arm = {arm: group for arm, group in results.groupby("arm")}
    if {"random-full", "project"} <= set(by_arm):
        ratio, low, high = ratio_with_interval(_capped(by_arm["random-full"]), _capped(by_arm["project"]))
        print(f"compute_ratio={ratio:.2f} (95% CI {low:.2f}–{high:.2f})")
    if {"pareto", "project"} <= set(by_arm):
        ratio, low, high = ratio_with_interval(by_arm["pareto"]["hypervolume"].to_numpy(),
                                               by_arm["project"]["hypervolume"].to_numpy())
        print(f"hypervolume_ratio={ratio:.2f} (95% CI {low:.2f}–{high:.2f})")
    print(f"({time.time() - started:.0f} s)")
    return 0


def _capped(group: pd.DataFrame) -> np.ndarray:
    """Compute to the target, a run that never reached it counted as all it could spend (slots × budget)."""
    compute = group["compute_to_target_s"].to_numpy(dtype=float)
    return np.where(np.isfinite(compute), compute, np.nanmax(np.where(np.isfinite(compute), compute, 0)) * 10 + 1)
