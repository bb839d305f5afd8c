"""`python -m benchmarks.curves defaults`: the project's search knobs, one at a time, in the simulator.

Each variant changes one knob of the project's default (first rung, reduction factor η, the
ranking at a rung, TPE's random start-up trials, the study's baselines first) and runs the
same seeds as the default, so differences are paired: per seed, the variant's best validation
accuracy minus the default's at 10, 20 and 60 simulated minutes, with a bootstrap 95% interval
of the mean difference. The pareto strategies are compared by `simulate --arms pareto,pareto-full`.

The early-stopping knobs (first rung, η, ranking) are then judged again without the surrogate,
on the recorded curves alone: each ranking's correlation with the final accuracy at a rung
(`benchmarks.curves.signals`), and random-order searches over the recorded configurations
(`benchmarks.curves.tabular`), paired by seed with the default. A knob the simulator favours
for a reason of its model shows up as a disagreement between the two.

    python -m benchmarks.curves defaults [--seeds 50] [--budget-s 3600] [--set ranking=accuracy …]

`--set` moves the default the variants start from, so a second round can start from the first's choice.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from benchmarks.curves.arms import Setting, recorded_setting
from benchmarks.curves.signals import TOP, rung_signals
from benchmarks.curves.simulate import (add_knob_option, add_table_option, knob_overrides, load_world, paired, run,
                                        table_missing)
from benchmarks.curves.tabular import compare_halving
from search.scheduling import RANKINGS

VARIANTS = {"grace_epochs": (1, 2, 3), "reduction_factor": (2, 3, 4),
            "ranking": ("loss", "accuracy", "accuracy_then_loss"), "tpe_startup": (0, 10), "baselines": (True, False)}
AT_MINUTES = (10, 20, 60)
HALVING_KNOBS = ("grace_epochs", "reduction_factor", "ranking")  # the knobs a table of curves can judge alone
TABULAR_MINUTES = (5, 10, 20)  # a halving search has seen every recorded configuration well before 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.curves defaults", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    add_table_option(parser)
    parser.add_argument("--budget-s", type=float, default=3600)
    add_knob_option(parser)
    args = parser.parse_args(argv)
    overrides = knob_overrides(args.set)
    if overrides is None or table_missing(args.table):
        return 2
    world = load_world(args.table)
    print(world.describe(), flush=True)
    default = recorded_setting(budget_s=args.budget_s, **overrides)
    baseline = run(["project"], args.seeds, default, world)
    minutes = [m for m in AT_MINUTES if 60 * m <= args.budget_s]
    rows = [{"variant": f"default (first rung {default.grace}, η {default.reduction_factor}, {default.ranking}, "
                        f"{default.tpe_startup} start-up, baselines {default.baselines})",
             **{f"{m} min": f"{baseline[f'best_{m}min'].median():.3f}" for m in minutes},
             "CPU-s to target": f"{baseline['compute_to_target_s'].median():.0f}"}]
    for name, setting in variants(default, VARIANTS):
        variant = run(["project"], args.seeds, setting, world)
        row = {"variant": name}
        for m in minutes:
            mean, low, high = paired(variant, baseline, f"best_{m}min")
            row[f"{m} min"] = (f"{variant[f'best_{m}min'].median():.3f} "
                               f"({100 * mean:+.2f} pts, {100 * low:+.2f}…{100 * high:+.2f})")
        row["CPU-s to target"] = f"{variant['compute_to_target_s'].median():.0f}"
        rows.append(row)
        print(f"  {row['variant']}: done", flush=True)
    print(f"\n{args.seeds} seeds; median best val_acc, and the mean paired difference from the default "
          f"(95% bootstrap interval), at each budget; CPU-s to within 1 point of the table's best (median)")
    print(pd.DataFrame(rows).to_string(index=False))
    print(recorded_curves_alone(args.table, default, args.seeds))
    return 0


def variants(default: Setting, values: dict[str, tuple]) -> list[tuple[str, Setting]]:
    """("knob = value", the default with that one knob changed) for each value that is not the default's."""
    return [(f"{knob} = {value}", dataclasses.replace(default, **{knob: value}))
            for knob, options in values.items() for value in options
            if getattr(default, knob) != value and not (knob == "grace_epochs" and default.grace == value)]


def recorded_curves_alone(path: Path, default: Setting, seeds: int) -> str:
    """The early-stopping knobs without the surrogate: on the recorded curves, each ranking's
    Spearman with the final accuracy, and random-order searches (`benchmarks.curves.tabular`)
    for each first rung, η and ranking, paired with the default's."""
    table = pq.read_table(path).to_pandas()
    signals = rung_signals(table, RANKINGS, reduction_factor=default.reduction_factor)
    halving = {"default": default, **dict(variants(default, {knob: VARIANTS[knob] for knob in HALVING_KNOBS}))}
    results = compare_halving(table, default.space, {name: (v.grace, v.reduction_factor, RANKINGS[v.ranking])
                                                     for name, v in halving.items()}, seeds, TABULAR_MINUTES)
    mine = results[results["arm"] == "default"]
    lines = [f"\nOn the recorded curves alone ({table['config_id'].nunique()} configurations, no surrogate): "
             f"at a rung after each epoch, each ranking's Spearman with the final best accuracy and how many "
             f"of the final top {TOP} the top 1/η keeps", signals.to_string(index=False),
             f"\nrandom-order searches over the recorded configurations (no sampler), {seeds} seeds: median best "
             "val_acc, and the mean paired difference from the default (95% bootstrap interval)"]
    for arm, group in results.groupby("arm", sort=False):
        parts = []
        for m in TABULAR_MINUTES:
            column = f"best_{m}min"
            mean, low, high = paired(group, mine, column)
            parts.append(f"{m} min {group[column].median():.3f} ({100 * mean:+.2f} pts, {100 * low:+.2f}…"
                         f"{100 * high:+.2f})")
        lines.append(f"  {arm}: " + "; ".join(parts))
    return "\n".join(lines)
