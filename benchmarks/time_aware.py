"""Time-aware search: `--objective accuracy` against `--objective pareto` at equal compute.

By default both run in the simulator on the recorded FER2013 learning curves
(`benchmarks.curves`), 50 seeds over 60 simulated minutes, and the last line is its
`hypervolume_ratio=` (pareto's median hypervolume over the accuracy objective's, with a
bootstrap 95% interval). With `--real`, the check on the simulator, as follows.

Both search the `full` space on real FER2013 (a stratified subset, few epochs) under the same
time budget, trial slots and seeds, interleaved. Each search's front is the Pareto front of
its full runs (validation accuracy up, training time of the full run down); its hypervolume
is the area it dominates above the reference point (the majority-class validation accuracy,
and the largest full-run time either search measured for that seed). Figures: hypervolume
and best accuracy of each front, per seed and as means. The last line is
`hypervolume_ratio=X.XX` (pareto's mean hypervolume ÷ accuracy's).

    python -m benchmarks.time_aware [--simulated-seeds 50]
    FER2013_PATH=... python -m benchmarks.time_aware --real [--seeds 0 1 2] [--budget-s 200]
        [--max-epochs 4] [--train-subset 3000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.search_runs import SearchRun, interleaved, machine_line, run_search
from experiment.pareto import hypervolume
from trainables import load_splits

ARMS = {"accuracy": ["--objective", "accuracy"], "pareto": ["--objective", "pareto"]}


def full_runs(run: SearchRun) -> pd.DataFrame:
    return run.trials[run.trials["state"] == "complete"].dropna(subset=["best_val_acc", "train_time_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="real searches on FER2013 instead of the simulator")
    parser.add_argument("--simulated-seeds", type=int, default=50)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budget-s", type=float, default=200)
    parser.add_argument("--max-epochs", type=int, default=4)
    parser.add_argument("--train-subset", type=int, default=3000)
    parser.add_argument("--output", type=Path, default=Path("benchmarks/runs/time_aware"))
    args = parser.parse_args()
    if not args.real:
        simulated(args.simulated_seeds)
        return
    if not os.environ.get("FER2013_PATH"):
        parser.error("set FER2013_PATH to the real FER2013")
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


def simulated(seeds: int) -> None:
    from benchmarks.curves.simulate import hypervolume_ratio_line, simulated_benchmark, table_missing

    if table_missing():
        raise SystemExit(2)
    results, _ = simulated_benchmark(["project", "pareto"], seeds, budget_s=3600, samples=400)
    print(hypervolume_ratio_line(results))


if __name__ == "__main__":
    main()
