"""Accuracy within a wall-clock budget: the `full` space on all of FER2013, then the best model's
PrivateTest accuracy, tested once.

This is the study's headline question asked of the search: how close does it get, unattended,
to the 60% the study reached by hand (and the 73.28% of the best published single network)?
The command is an ordinary `python -m search.run`; the budget covers the search loop, and the
wall time of the whole command is reported beside it. The last line is `test_acc=0.XXXX`.

    FER2013_PATH=... python -m benchmarks.accuracy [--budget-s 3300] [--max-epochs 20] [--samples 40]
        [--grace-epochs 2] [--gpus-per-trial 0.25 --cpus-per-trial 4 on a GPU machine]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

from benchmarks.search_runs import machine_line, run_search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=3300, help="the search loop's --time-budget-s")
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--grace-epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cpus-per-trial", type=float, default=1)
    parser.add_argument("--gpus-per-trial", type=float, default=0)
    parser.add_argument("--output", type=Path, default=Path("benchmarks/runs/accuracy"))
    args = parser.parse_args()
    if not os.environ.get("FER2013_PATH"):
        parser.error("set FER2013_PATH to the real FER2013")
    shutil.rmtree(args.output, ignore_errors=True)
    flags = ["--space", "full", "--samples", str(args.samples), "--max-epochs", str(args.max_epochs),
             "--grace-epochs", str(args.grace_epochs), "--time-budget-s", str(args.budget_s),
             "--cpus-per-trial", str(args.cpus_per_trial), "--gpus-per-trial", str(args.gpus_per_trial)]
    print(f"machine: {machine_line()}\ncommand: python -m search.run {' '.join(flags)} --seed {args.seed}", flush=True)
    run = run_search("accuracy", args.seed, flags, args.output, timeout_s=args.budget_s + 1800)
    best = json.loads((run.folder / "best" / "metrics.json").read_text())
    config = json.loads((run.folder / "best" / "config.json").read_text())
    states = run.trials["state"].value_counts().to_dict()
    print(f"wall {run.wall_s:.0f} s; trials {len(run.trials)} {states}; {run.epochs_trained} epochs trained")
    print(f"best: trial {best['trial_id']} epoch {best['epoch']}, val {best['val_acc']:.4f}, "
          f"{best['test_split']} {best['test_acc']:.4f}, {best['train_time_s']:.0f} s of training")
    print("config: " + ", ".join(f"{k}={v}" for k, v in config.items()))
    print(f"test_acc={best['test_acc']:.4f}")


if __name__ == "__main__":
    main()
