"""Time-aware search: what a user with a time question should run, measured.

By default in the simulator on the recorded FER2013 learning curves (`benchmarks.curves`), 50
seeds, every search at equal compute (the same simulated budget and two slots; no trial cap
ends a search early), paired by seed:

- the constrained question (`benchmarks.curves.constrained`): the best validation accuracy
  among full runs that train in ≤ T, for T at the 10th, 25th and 50th percentile of the table's
  full-run times, from `--max-train-time-s T` against the accuracy search, `--objective pareto`
  and random search each filtered to T afterwards, at 5, 10, 20 and 60 minutes;
- the front (`benchmarks.curves.front`): where each search spends its trials, per architecture,
  and what its front's hypervolume is made of, beside the recorded table's own front.

The world draws each trial's residual among configurations of its own architecture
(`--no-same-arch-residuals`: among all, as `benchmarks.curves simulate` does by default). The
last lines are `hypervolume_ratio=` (pareto's median hypervolume over the accuracy search's,
bootstrap 95% interval) and `constrained_gain=` (points of `--max-train-time-s` over the
accuracy search filtered afterwards, at the 25th-percentile limit and 20 minutes, paired by
seed, bootstrap 95% interval).

With `--real`, the check on the simulator, as follows. Both objectives search the `full` space
on real FER2013 (a stratified subset, few epochs) under the same time budget, trial slots and
seeds, interleaved. Each search's front is the Pareto front of its full runs (validation
accuracy up, training time of the full run down); its hypervolume is the area it dominates
above the reference point (the majority-class validation accuracy, and the largest full-run
time either search measured for that seed). Figures: hypervolume and best accuracy of each
front, per seed and as means. The last line is `hypervolume_ratio=X.XX` (pareto's mean
hypervolume ÷ accuracy's).

    python -m benchmarks.time_aware [--simulated-seeds 50] [--simulated-budget-s 3600] [--workers 2]
    FER2013_PATH=... python -m benchmarks.time_aware --real [--seeds 0 1 2] [--budget-s 200]
        [--max-epochs 4] [--train-subset 3000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from benchmarks.search_runs import SearchRun, interleaved, machine_line, run_search
from experiment.pareto import hypervolume
from trainables import load_splits
from trainables.dataset import MAJORITY_ACCURACY

ARMS = {"accuracy": ["--objective", "accuracy"], "pareto": ["--objective", "pareto"]}


def full_runs(run: SearchRun) -> pd.DataFrame:
    return run.trials[run.trials["state"] == "complete"].dropna(subset=["best_val_acc", "train_time_s"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.time_aware", description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="real searches on FER2013 instead of the simulator")
    parser.add_argument("--simulated-seeds", type=int, default=50)
    parser.add_argument("--simulated-budget-s", type=float, default=3600,
                        help="each simulated search's budget (default 3600: the 60-minute column)")
    parser.add_argument("--workers", type=int, default=1, help="simulated seeds run in this many processes")
    parser.add_argument("--same-arch-residuals", action=argparse.BooleanOptionalAction, default=True,
                        help="draw each trial's residual among its own architecture's (default: yes)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budget-s", type=float, default=200)
    parser.add_argument("--max-epochs", type=int, default=4)
    parser.add_argument("--train-subset", type=int, default=3000)
    parser.add_argument("--output", type=Path, default=Path("benchmarks/runs/time_aware"),
                        help="the real searches' folders; the simulated searches' figures (Parquet)")
    args = parser.parse_args(argv)
    if not args.real:
        problem = (f"--simulated-seeds is {args.simulated_seeds}, but must be at least 2" if args.simulated_seeds < 2
                   else f"--simulated-budget-s is {args.simulated_budget_s:g}, but must be at least 300 (5 minutes)"
                   if not args.simulated_budget_s >= 300
                   else f"--workers is {args.workers}, but must be at least 1" if args.workers < 1 else None)
        if problem:
            print(f"benchmarks.time_aware: error: {problem}", file=sys.stderr)
            return 2
        return simulated(args.simulated_seeds, args.simulated_budget_s, args.same_arch_residuals, args.workers,
                         args.output)
    if not os.environ.get("FER2013_PATH"):
        parser.error("set FER2013_PATH to the real FER2013")
    real(args)
    return 0


def real(args: argparse.Namespace) -> None:
    shutil.rmtree(args.output, ignore_errors=True)
    val_y = load_splits().val_y
    majority = float(np.bincount(val_y).max() / len(val_y))
    common = ["--space", "full", "--samples", "1000", "--max-epochs", str(args.max_epochs),
              "--train-subset", str(args.train_subset), "--time-budget-s", str(args.budget_s)]
    print(f"machine: {machine_line()}\ncommon flags: {' '.join(common)}; seeds {args.seeds}; "
          f"reference accuracy {majority:.4f} (majority class)", flush=True)
    runs: dict[tuple[str, int], SearchRun] = {}
    for arm, seed in interleaved(list(ARMS), args.seeds):
        runs[(arm, seed)] = run_search(arm, seed, common + ARMS[arm], args.output)
    volumes: dict[str, list[float]] = {arm: [] for arm in ARMS}
    bests: dict[str, list[float]] = {arm: [] for arm in ARMS}
    print("\n| seed | arm | full runs | trials | hypervolume | best accuracy of the front |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for seed in args.seeds:
        slowest = max(full_runs(runs[(arm, seed)])["train_time_s"].max() for arm in ARMS)
        for arm in ARMS:
            front = full_runs(runs[(arm, seed)])
            volume = hypervolume(zip(front["train_time_s"], front["best_val_acc"]), majority, float(slowest) * 1.0001)
            best = float(front["best_val_acc"].max()) if not front.empty else float("nan")
            volumes[arm].append(volume)
            bests[arm].append(best)
            print(f"| {seed} | {arm} | {len(front)} | {len(runs[(arm, seed)].trials)} | {volume:.3f} | {best:.4f} |")
    means = {arm: statistics.mean(v) for arm, v in volumes.items()}
    print(f"\nmean hypervolume: accuracy {means['accuracy']:.3f}, pareto {means['pareto']:.3f}; mean best accuracy: "
          f"accuracy {statistics.mean(bests['accuracy']):.4f}, pareto {statistics.mean(bests['pareto']):.4f}")
    ratio = means["pareto"] / means["accuracy"] if means["accuracy"] > 0 else float("inf")
    print(f"hypervolume_ratio={ratio:.2f}")


UNCAPPED = 10**6
"""Trials a simulated search may start: never the bound (a search that ran out of trials early
would spend less compute than the others); the budget ends every search."""
_SHARED: dict = {}  # what each worker process needs, inherited when it forks


def simulated(seeds: int, budget_s: float, same_arch: bool, workers: int = 1, output: Path | None = None) -> int:
    """The constrained question and the front's analysis; the last lines are the benchmark's.
    Every search's figures also go to `output`/simulated-{constrained,profiles}.parquet."""
    from benchmarks.curves import constrained, front
    from benchmarks.curves.arms import recorded_setting
    from benchmarks.curves.record import TABLE
    from benchmarks.curves.simulate import load_world, noise_words, ratio_with_interval, table_missing

    if table_missing():
        return 2
    started = time.time()
    table = pq.read_table(TABLE).to_pandas()
    world = load_world(TABLE)
    limits = constrained.table_limits(table)
    minutes = tuple(m for m in constrained.MINUTES if 60 * m <= budget_s)
    _SHARED.update(world=world, limits=limits, minutes=minutes, same_arch=same_arch,
                   setting=recorded_setting(budget_s=budget_s, samples=UNCAPPED))
    print(f"{world.describe()}\n{seeds} seeds, {budget_s:.0f} simulated s, 2 slots, no trial cap; "
          f"{noise_words(True, same_arch)}; limits: "
          + ", ".join(f"P{p} {t:.1f} s" for p, t in limits.items()), flush=True)
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            per_seed = pool.map(_one_seed, range(seeds), chunksize=1)
    else:
        per_seed = [_one_seed(seed) for seed in range(seeds)]
    rows = pd.DataFrame([row for seed_rows, _ in per_seed for row in seed_rows])
    profiles = pd.DataFrame([p for _, seed_profiles in per_seed for p in seed_profiles])
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        rows.to_parquet(output / "simulated-constrained.parquet", index=False)
        profiles.to_parquet(output / "simulated-profiles.parquet", index=False)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 20)
    print(f"({time.time() - started:.0f} s)\n\nThe best validation accuracy (%) among full runs that train in ≤ T, "
          "median (95% interval over seeds) [seeds with one]; none counts as the majority class")
    print(constrained.summary_table(rows, MAJORITY_ACCURACY).to_string(index=False))
    print("\n--max-train-time-s T against each strategy filtered to T afterwards: mean points, paired by seed (95% CI)")
    print(constrained.gains_table(rows, MAJORITY_ACCURACY, minutes).to_string(index=False))
    unlimited = profiles[profiles["percentile"].isna()]
    limited = profiles[profiles["percentile"].notna()].assign(
        strategy=lambda p: "limit P" + p["percentile"].astype(int).astype(str))
    print(f"\nWhere each search spent its trials, and its front's hypervolume (full runs' seconds and last accuracy "
          f"against the majority class and {world.reference_s:.0f} s), over {seeds} seeds")
    print(front.profile_table(pd.concat([unlimited, limited]),
                              front.table_profile(table, world.reference_s)).to_string(index=False))
    volumes = {s: unlimited.loc[unlimited["strategy"] == s, "hypervolume"].to_numpy() for s in ("pareto", "accuracy")}
    ratio, low, high = ratio_with_interval(volumes["pareto"], volumes["accuracy"])
    print(f"hypervolume_ratio={ratio:.2f} (95% CI {low:.2f}–{high:.2f})")
    print(constrained.gain_line(rows, MAJORITY_ACCURACY))
    return 0


def _one_seed(seed: int) -> tuple[list[dict], list[dict]]:
    """Every search of one seed: its constrained rows and its profile."""
    from benchmarks.curves import constrained, front

    shared, rows, profiles = _SHARED, [], []
    for strategy, _, percentile, trace in constrained.searches(list(constrained.STRATEGIES), [seed], shared["setting"],
                                                               shared["world"], shared["limits"],
                                                               same_arch=shared["same_arch"]):
        rows += constrained.constrained_rows(strategy, seed, percentile, trace, shared["limits"], shared["minutes"])
        profiles.append({"strategy": strategy, "seed": seed, "percentile": percentile,
                         **front.search_profile(trace, shared["world"].reference_s)})
    return rows, profiles


if __name__ == "__main__":
    sys.exit(main())
