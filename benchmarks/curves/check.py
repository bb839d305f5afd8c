"""`python -m benchmarks.curves check`: the simulator against the real 20-minute searches.

The 20-minute command (`--space full --train-subset 8000 --max-epochs 9 --samples 60
--time-budget-s 1200`, two slots) is simulated for many seeds; each real run's best validation
accuracy is placed in the simulated distribution of the same strategy's best. A real result
outside the simulated 95% interval means the simulator is off, and by how much is printed.

With `--run DIR` (a real 20-minute search's output folder), the surrogate is also checked
trial by trial: its curve for each configuration that search trained, against the epochs it
reported (accuracy in points, seconds per epoch as a factor; the real seconds are wall seconds
of training and validation).

It also checks that the simulated world orders trials at a rung as the recorded curves do (each
ranking's Spearman correlation with the final best accuracy, `benchmarks.curves.signals`): a
world whose losses stopped following its accuracies once made every loss-ranked arm look worse.

    python -m benchmarks.curves check [--seeds 50] [--run results/full-20min] [--same-arch-residuals]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from benchmarks.curves.arms import recorded_setting
from benchmarks.curves.design import sobol_configs
from benchmarks.curves.record import SETTING, epoch_seconds
from benchmarks.curves.signals import rung_signals, side_by_side, simulated_table
from benchmarks.curves.simulate import (World, add_same_arch_option, add_table_option, load_world, noise_words, run,
                                        table_missing, world_curves)
from experiment.files import EPOCHS_FILE, TRIALS_FILE
from experiment.schema import HYPERPARAMETERS
from search.scheduling import RANKINGS
from spaces import SPACES

BUDGET_S, SAMPLES = 1200.0, 60  # the 20-minute command


@dataclass(frozen=True)
class RealRun:
    """A real 20-minute search on the replaced FER2013 (2026-11-28 or later), as measured."""

    when: str
    arm: str            # the simulator's arm for its strategy
    best_val_acc: float
    source: str
    knobs: tuple = ()   # the project's knobs on its day, where they differ from today's: (("grace_epochs", 2),)


REAL_RUNS_FILE = Path(__file__).with_name("real_runs.csv")


def real_runs(path: Path = REAL_RUNS_FILE) -> list[RealRun]:
    """The real searches the simulator is checked against (`real_runs.csv`: a row each)."""
    rows = pd.read_csv(path, dtype={"grace_epochs": "Int64"})
    return [RealRun(row.when, row.arm, float(row.best_val_acc), row.source,
                    (("grace_epochs", int(row.grace_epochs)),) if pd.notna(row.grace_epochs) else ())
            for row in rows.itertuples()]


def trial_by_trial(world: World, run_dir: Path) -> str:
    """The surrogate's mean curve against every epoch a real search's trained trials reported."""
    trials = pq.read_table(run_dir / TRIALS_FILE).to_pandas()
    epochs = pq.read_table(run_dir / EPOCHS_FILE).to_pandas()
    trials = trials[trials["reused_from"].isna()]
    acc_errors, second_ratios = [], []
    for trial in trials.itertuples():
        curve = world.surrogate.curve({name: getattr(trial, name) for name in HYPERPARAMETERS})
        reported = epochs[(epochs["trial_id"] == trial.trial_id) & epochs["val_acc"].notna()]
        index = reported["epoch"].to_numpy() - 1
        acc_errors += list(reported["val_acc"].to_numpy() - curve.val_acc[index])
        second_ratios += list(np.log(epoch_seconds(reported).to_numpy() / curve.seconds[index]))
    acc, ratios = np.array(acc_errors), np.exp(np.array(second_ratios))
    return (f"{run_dir}: {len(trials)} trained trials, {len(acc)} epochs; real minus surrogate accuracy: mean "
            f"{100 * acc.mean():+.1f} points, mean absolute {100 * np.abs(acc).mean():.1f}; real seconds per epoch "
            f"over the surrogate's: median ×{np.median(ratios):.2f} (middle 90% ×{np.percentile(ratios, 5):.2f}–"
            f"×{np.percentile(ratios, 95):.2f})")


def rung_signals_line(world: World, table: pd.DataFrame, configurations: int = 256, same_arch: bool = False) -> str:
    """Whether the simulated world orders trials at a rung as the recorded curves do: the
    Spearman correlation of each ranking with the final best accuracy, side by side."""
    configs = sobol_configs(SPACES[SETTING["space"]], seed=1, points=configurations)
    simulated = simulated_table(world_curves(world, seed=0, same_arch=same_arch), configs)
    both = side_by_side(rung_signals(table, RANKINGS), rung_signals(simulated, RANKINGS))
    return (f"\nrung rankings, Spearman with the final best accuracy: recorded curves, and the simulated world on "
            f"{configurations} other Sobol configurations\n{both.to_string()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.curves check", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    add_same_arch_option(parser)
    add_table_option(parser)
    parser.add_argument("--run", type=Path, help="a real search's output folder, to check the surrogate trial by trial")
    args = parser.parse_args(argv)
    if table_missing(args.table):
        return 2
    if args.run and not (args.run / EPOCHS_FILE).exists():
        print(f"benchmarks.curves: error: {args.run / EPOCHS_FILE} does not exist (--run takes a search's folder)",
              file=sys.stderr)
        return 2
    world = load_world(args.table)
    print(world.describe())
    if args.run:
        print(trial_by_trial(world, args.run))
    same_arch = args.same_arch_residuals
    print(rung_signals_line(world, pq.read_table(args.table).to_pandas(), same_arch=same_arch))
    runs = real_runs()
    strategies = sorted({(r.arm, r.knobs) for r in runs})
    for noise in (True, False):
        results = {(arm, knobs): run([arm], args.seeds, recorded_setting(budget_s=BUDGET_S, samples=SAMPLES,
                                                                        **dict(knobs)), world, noise, same_arch)
                   for arm, knobs in strategies}
        print(f"\n{noise_words(noise, same_arch)}, {args.seeds} seeds: the 20-minute command's best validation "
              "accuracy")
        for real in runs:
            simulated = results[real.arm, real.knobs]["best_20min"].to_numpy(dtype=float)
            low, median, high = np.percentile(simulated, [2.5, 50, 97.5])
            inside = low <= real.best_val_acc <= high
            off = 0.0 if inside else min(abs(real.best_val_acc - low), abs(real.best_val_acc - high))
            percentile = 100 * np.mean(simulated <= real.best_val_acc)
            print(f"  {real.when} {real.arm}: real {real.best_val_acc:.3f}; simulated median {median:.3f} "
                  f"(95% {low:.3f}–{high:.3f}); the real run is at the {percentile:.0f}th "
                  f"percentile, {'inside' if inside else f'outside by {100 * off:.1f} points'} ({real.source})")
    return 0
