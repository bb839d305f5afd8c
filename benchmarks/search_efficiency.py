"""Search efficiency: how much compute each way of searching needs to reach a good FER2013 model.

By default the arms below (and Optuna's TPE + HyperbandPruner) run in the simulator on the
recorded FER2013 learning curves (`benchmarks.curves`), 50 seeds of the 20-minute command's
setting over 60 simulated minutes, and the last line is its `compute_ratio=`: random-full's
compute to within 1 point of the table's best over the project's, with a bootstrap 95% interval.

With `--real`, the check on the simulator: four arms on the same space, trial count, epochs,
data and seeds, each a real `python -m search.run` on real FER2013 (`FER2013_PATH`):

- random-full: random sampling, every trial trained to the last epoch;
- tpe-full: the project's TPE, every trial trained fully;
- random-asha: random sampling with Ray's stock ASHA on val_acc;
- project: this project's search (TPE, successive halving with loss tie-breaks, study
  baselines first, duplicate configurations replayed).

Per arm: best validation accuracy, epochs and CPU-seconds trained, wall time, and the
compute needed to first reach random-full's best accuracy of the same seed minus 1 point.
Runs are interleaved seed by seed; figures are medians over seeds. The last line is
`compute_ratio=X.XX`: random-full's compute to that target ÷ the project's (median of the
per-seed ratios).

    python -m benchmarks.search_efficiency [--simulated-seeds 50]
    FER2013_PATH=... python -m benchmarks.search_efficiency --real [--seeds 0 1 2] [--samples 10]
        [--max-epochs 4] [--train-subset 3000] [--output benchmarks/runs]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
from collections import defaultdict
from pathlib import Path

from benchmarks.search_runs import SearchRun, interleaved, machine_line, median, run_search

ARMS = {
    "random-full": ["--sampler", "random", "--scheduler", "none", "--no-reuse"],
    "tpe-full": ["--sampler", "tpe", "--scheduler", "none", "--no-reuse"],
    "random-asha": ["--sampler", "random", "--scheduler", "ray-asha", "--no-reuse"],
    "project": [],
}
TOLERANCE = 0.01  # "random-full's best minus 1 point"


SIMULATED_ARMS = ["random-full", "tpe-full", "random-asha", "optuna-hyperband", "project"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="real searches on FER2013 instead of the simulator")
    parser.add_argument("--simulated-seeds", type=int, default=50)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--max-epochs", type=int, default=4)
    parser.add_argument("--train-subset", type=int, default=3000)
    parser.add_argument("--space", default="full")
    parser.add_argument("--output", type=Path, default=Path("benchmarks/runs/search_efficiency"))
    args = parser.parse_args()
    if not args.real:
        simulated(args.simulated_seeds)
        return
    if not os.environ.get("FER2013_PATH"):
        parser.error("set FER2013_PATH to the real FER2013 (this benchmark is about real data)")
    shutil.rmtree(args.output, ignore_errors=True)
    common = ["--space", args.space, "--samples", str(args.samples), "--max-epochs", str(args.max_epochs),
              "--train-subset", str(args.train_subset), "--time-budget-s", "100000"]
    print(f"machine: {machine_line()}\ncommon flags: {' '.join(common)}; seeds {args.seeds}", flush=True)

    runs: dict[str, dict[int, SearchRun]] = defaultdict(dict)
    for arm, seed in interleaved(list(ARMS), args.seeds):
        run = run_search(arm, seed, common + ARMS[arm], args.output)
        runs[arm][seed] = run
        print(f"  {arm:<12} seed {seed}: best {run.best_val_acc:.4f}, {run.epochs_trained} epochs, "
              f"{run.train_seconds:,.0f} training s, wall {run.wall_s:,.0f} s", flush=True)

    print("\nper seed: compute (training seconds) to reach random-full's best - 1 point")
    ratios, to_target = [], defaultdict(list)
    for seed in args.seeds:
        target = runs["random-full"][seed].best_val_acc - TOLERANCE
        needed = {arm: runs[arm][seed].compute_to_reach(target) for arm in ARMS}
        for arm, seconds in needed.items():
            to_target[arm].append(seconds)
        ratios.append(needed["random-full"] / needed["project"] if needed["project"] > 0 else math.inf)
        print(f"  seed {seed} (target {target:.4f}): " + ", ".join(f"{a} {s:,.0f}" for a, s in needed.items()))

    print("\n| arm | best val acc | epochs trained | CPU-s trained | wall s | CPU-s to target | reached |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for arm in ARMS:
        arm_runs = [runs[arm][s] for s in args.seeds]
        reached = sum(math.isfinite(x) for x in to_target[arm])
        print(f"| {arm} | {median([r.best_val_acc for r in arm_runs]):.4f} | "
              f"{median([r.epochs_trained for r in arm_runs]):.0f} | "
              f"{median([r.train_seconds for r in arm_runs]):,.0f} | "
              f"{median([r.wall_s for r in arm_runs]):,.0f} | {median(to_target[arm]):,.0f} | "
              f"{reached}/{len(args.seeds)} |")
    print(f"(medians over seeds {args.seeds}; 1 CPU per trial, so training seconds are CPU-seconds)")
    print(f"per-seed compute ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"compute_ratio={median(ratios):.2f}")


def simulated(seeds: int) -> None:
    from benchmarks.curves.arms import recorded_setting
    from benchmarks.curves.simulate import against_line, compute_ratio_line, simulated_benchmark, table_missing

    if table_missing():
        raise SystemExit(2)
    results, _ = simulated_benchmark(SIMULATED_ARMS, seeds, budget_s=3600, samples=400)
    print(against_line(results, "project", "optuna-hyperband"))
    print(compute_ratio_line(results, recorded_setting(budget_s=3600)))


if __name__ == "__main__":
    main()
