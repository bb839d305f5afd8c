"""Overhead: the share of the trial slots' time that is not training, in a real arch1 search.

`python -m search.run --space smoke` (arch1 only) with 16 trials on real FER2013, two trial
slots of one CPU each. Overhead = 1 − Σ trial training seconds ÷ (wall seconds × slots),
with the wall time of the whole command as a user waits for it (start-up, Ray, every trial,
the final test and the report). The breakdown says where the rest went: validation passes,
the time before the first epoch was reported, and after the last. Repeated; medians. The
last line is `overhead=0.XX`.

    FER2013_PATH=... python -m benchmarks.overhead [--repeats 3] [--train-subset 12000]
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from benchmarks.search_runs import interleaved, machine_line, median, run_search

SLOTS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--max-epochs", type=int, default=4)
    parser.add_argument("--train-subset", type=int, default=12000)
    parser.add_argument("--output", type=Path, default=Path("benchmarks/runs/overhead"))
    args = parser.parse_args()
    if not os.environ.get("FER2013_PATH"):
        parser.error("set FER2013_PATH to the real FER2013")
    shutil.rmtree(args.output, ignore_errors=True)
    flags = ["--space", "smoke", "--samples", str(args.samples), "--max-epochs", str(args.max_epochs),
             "--train-subset", str(args.train_subset), "--cpus-per-trial", "1", "--max-concurrent", str(SLOTS)]
    print(f"machine: {machine_line()}\nflags: {' '.join(flags)}", flush=True)
    rows = []
    for _, repeat in interleaved(["arch1"], list(range(args.repeats))):
        run = run_search("arch1", repeat, flags, args.output)
        slot_seconds = run.wall_s * SLOTS
        first = run.epochs["reported_at"].min() - run.epochs["epoch_time_s"].iloc[0]
        row = {
            "overhead": 1 - run.train_seconds / slot_seconds,
            "wall_s": run.wall_s, "train_s": run.train_seconds,
            "eval_share": run.epochs["eval_time_s"].sum() / slot_seconds,
            "trials": len(run.trials), "epochs": run.epochs_trained,
            "span_s": run.epochs["reported_at"].max() - first,
        }
        rows.append(row)
        print(f"  run {repeat}: overhead {row['overhead']:.3f} (wall {row['wall_s']:.1f} s, training "
              f"{row['train_s']:.1f} s over {row['trials']} trials / {row['epochs']} epochs, validation "
              f"{row['eval_share']:.1%} of slot time, first to last epoch {row['span_s']:.1f} s)", flush=True)
    print("\n| figure | median |\n| --- | ---: |")
    for key, label in (("wall_s", "wall s"), ("train_s", "Σ training s"), ("eval_share", "validation share"),
                       ("span_s", "first to last epoch s"), ("overhead", "overhead")):
        print(f"| {label} | {median([r[key] for r in rows]):.3f} |")
    print(f"overhead={median([r['overhead'] for r in rows]):.2f}")


if __name__ == "__main__":
    main()
