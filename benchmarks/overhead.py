"""Overhead: the share of the trial slots' time that is not training, in a real arch1 search.

`python -m search.run --space smoke` (arch1 only) with 16 trials on all of real FER2013's
training set, two trial slots of one CPU each. Overhead = 1 − Σ trial training seconds ÷
(wall seconds × slots), for two walls: the search's (from the first trial's start to the
best trial written, `summary.json`'s `wall_time_s`, as the issue measured it) and the whole
command's as a user waits for it (imports, data, Ray's start, the report too). The breakdown
says where the rest went: validation passes, and the time before the first epoch. Repeated;
medians. The last line is `overhead=0.XX` (the search's wall).

    FER2013_PATH=... python -m benchmarks.overhead [--repeats 3] [--max-epochs 6]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

from benchmarks.search_runs import interleaved, machine_line, median, run_search

SLOTS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--max-epochs", type=int, default=6)
    parser.add_argument("--grace-epochs", type=int, default=2)
    parser.add_argument("--output", type=Path, default=Path("benchmarks/runs/overhead"))
    args = parser.parse_args()
    if not os.environ.get("FER2013_PATH"):
        parser.error("set FER2013_PATH to the real FER2013")
    shutil.rmtree(args.output, ignore_errors=True)
    flags = ["--space", "smoke", "--samples", str(args.samples), "--max-epochs", str(args.max_epochs),
             "--grace-epochs", str(args.grace_epochs), "--train-subset", "28709", "--cpus-per-trial", "1",
             "--max-concurrent", str(SLOTS)]
    print(f"machine: {machine_line()}\nflags: {' '.join(flags)}", flush=True)
    rows = []
    for _, repeat in interleaved(["arch1"], list(range(args.repeats))):
        run = run_search("arch1", repeat, flags, args.output)
        search_wall = json.loads((run.folder / "summary.json").read_text())["wall_time_s"]
        first_epoch = run.epochs.sort_values("reported_at").iloc[0]
        row = {
            "overhead": 1 - run.train_seconds / (search_wall * SLOTS),
            "command_overhead": 1 - run.train_seconds / (run.wall_s * SLOTS),
            "search_wall_s": search_wall, "command_wall_s": run.wall_s, "train_s": run.train_seconds,
            "eval_share": run.epochs["eval_time_s"].sum() / (search_wall * SLOTS),
            "first_epoch_s": first_epoch["reported_at"] - first_epoch["epoch_time_s"] - run.started_at,
            "trials": len(run.trials), "epochs": run.epochs_trained,
        }
        rows.append(row)
        print(f"  run {repeat}: overhead {row['overhead']:.3f} over the search ({search_wall:.1f} s), "
              f"{row['command_overhead']:.3f} over the command ({run.wall_s:.1f} s); training {row['train_s']:.1f} s "
              f"over {row['trials']} trials / {row['epochs']} epochs; validation {row['eval_share']:.1%} of the "
              f"search's slot time; first epoch began {row['first_epoch_s']:.1f} s after the command started",
              flush=True)
    print("\n| figure | median |\n| --- | ---: |")
    for key, label in (("command_wall_s", "command wall s"), ("search_wall_s", "search wall s"),
                       ("train_s", "Σ training s"), ("eval_share", "validation share of slot time"),
                       ("first_epoch_s", "command start to first epoch s"),
                       ("command_overhead", "overhead over the command"), ("overhead", "overhead over the search")):
        print(f"| {label} | {median([r[key] for r in rows]):.3f} |")
    print(f"overhead={median([r['overhead'] for r in rows]):.2f}")


if __name__ == "__main__":
    main()
