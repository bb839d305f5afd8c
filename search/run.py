"""`python -m search.run --space NAME`: run a search, test the best trial, write results and report."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from search.best import evaluate_best, write_json
from search.options import UsageError, build_parser, resolve_options, train_subset
from search.results import EPOCHS_FILE, TRIALS_FILE
from search.tuner import SearchOptions, run_search
from spaces import SPACES
from trainables import SYNTHETIC_NOTICE, DataError, Splits, load_splits

SUMMARY_FILE = "summary.json"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list_spaces:
        print("\n\n".join(space.describe() for space in SPACES.values()))
        return 0
    try:
        options = resolve_options(args)
        splits = load_splits(args.data)
        subset = train_subset(args)
        if subset is not None and subset > len(splits.train_y):
            raise UsageError(f"--train-subset is {subset:,}, but the data has {len(splits.train_y):,} training images")
    except (UsageError, DataError) as exc:
        print(f"search.run: error: {exc}", file=sys.stderr)
        return 2
    if subset is not None:
        splits = splits.with_train_subset(subset, seed=options.seed)
    if splits.synthetic:
        print(SYNTHETIC_NOTICE)
    print(f"{splits.describe()}\nSpace {options.space.name}: {options.samples} trials, up to {options.max_epochs} "
          f"epochs each; experiment folder {options.experiment_dir}")
    options.experiment_dir.mkdir(parents=True)
    started = time.time()
    results, searcher = run_search(options, splits)
    best = evaluate_best(results, splits, options.experiment_dir, searcher.optuna_trial_number)
    summary = write_summary(options, splits, best, wall_time_s=time.time() - started)
    report = build_report(options.experiment_dir)
    print_summary(summary, report)
    return 0


def write_summary(options: SearchOptions, splits: Splits, best: dict[str, Any] | None,
                  wall_time_s: float) -> dict[str, Any]:
    folder = options.experiment_dir
    states = Counter(pq.read_table(folder / TRIALS_FILE, columns=["state"]).column("state").to_pylist())
    summary = {
        "name": options.study_name, "space": options.space.name, "wall_time_s": round(wall_time_s, 1),
        "data": {"description": splits.describe(), "synthetic": splits.synthetic, "source": splits.source,
                 "train": len(splits.train_y), "val": len(splits.val_y), "test": len(splits.test_y)},
        "search": {"samples": options.samples, "max_epochs": options.max_epochs, "grace_epochs": options.grace_epochs,
                   "reduction_factor": options.reduction_factor, "seed": options.seed,
                   "pruning": "ASHA" if options.space.prune else "none"},
        "trials": dict(states),
        "best": best,
        "storage": options.storage_url, "study_name": options.study_name,
        "paths": {"trials": str(folder / TRIALS_FILE), "epochs": str(folder / EPOCHS_FILE),
                  "best": str(folder / "best"), "summary": str(folder / SUMMARY_FILE),
                  "report": str(folder / "report.html")},
        "dashboard_command": f"optuna-dashboard --host 127.0.0.1 {options.storage_url}",
    }
    write_json(folder / SUMMARY_FILE, summary)
    return summary


def build_report(folder: Path) -> Path | None:
    """The Plotly report; a failure here is reported but never loses the search's results."""
    try:
        from reports.build import build_report as build
    except ImportError:
        return None
    try:
        return build(folder)
    except Exception as exc:  # the results are on disk; the report can be rebuilt later
        print(f"search.run: report not built ({type(exc).__name__}: {exc}); "
              f"rebuild with: python -m reports.build {folder}", file=sys.stderr)
        return None


def print_summary(summary: dict[str, Any], report: Path | None) -> None:
    best = summary["best"]
    lines = ["", f"== {summary['name']} ({summary['space']}) finished in {summary['wall_time_s']:.0f} s",
             f"data:    {summary['data']['description']}",
             "trials:  " + ", ".join(f"{state} {n}" for state, n in sorted(summary["trials"].items()))]
    if best is None:
        lines.append("best:    no trial produced a checkpoint")
    else:
        config = ", ".join(f"{k}={v}" for k, v in best["config"].items())
        lines += [f"best:    trial {best['trial_id']} (Optuna #{best['optuna_number']}), epoch {best['epoch']}",
                  f"config:  {config}",
                  f"val_acc {best['val_acc']:.4f} | test_acc {best['test_acc']:.4f} ({best['test_split']}) | "
                  f"train time {best['train_time_s']:.1f} s"]
    paths = summary["paths"]
    lines += [f"results: {paths['trials']}, {paths['epochs']}", f"best:    {paths['best']}/",
              f"summary: {paths['summary']}"]
    if report:
        lines.append(f"report:  {report}")
    lines.append(f"review:  {summary['dashboard_command']}")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
