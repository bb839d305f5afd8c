"""`python -m benchmarks.curves simulate`: every arm for many seeds on the surrogate of the
recorded table, on a virtual clock with two trial slots (the 20-minute command's setting).

Per arm and budget (5 … 60 simulated minutes): the median best validation accuracy with its
95% interval over seeds; the training seconds to reach within 1 point of the table's best; and
the hypervolume of the full runs' accuracy–time front. The last lines are the benchmarks':
`compute_ratio=` (random-full's compute to the target over the project's, median, with a
bootstrap 95% interval) and `hypervolume_ratio=` (pareto's over the accuracy objective's).
`benchmarks.search_efficiency` and `benchmarks.time_aware` print theirs from here.

    python -m benchmarks.curves simulate [--seeds 50] [--budget-s 3600] [--samples 400]
        [--arms project,…] [--no-noise | --same-arch-residuals] [--set ranking=accuracy …]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.curves.arms import ARMS, Setting, build, parse_knob, recorded_setting
from benchmarks.curves.record import SETTING, TABLE, epoch_seconds
from benchmarks.curves.simulator import CurveFn, Trace, simulate
from benchmarks.curves.surrogate import (CurveSurrogate, HeldOutError, NoisyCurves, Residual, held_out_error,
                                         held_out_residuals)
from experiment.pareto import hypervolume
from trainables.dataset import MAJORITY_ACCURACY

MINUTES = (5, 10, 20, 30, 40, 60)
TOLERANCE = 0.01  # "within 1 point of the table's best"
GOAL_20_MIN = 0.57  # the 20-minute command's validation-accuracy target (benchmarks/RESULTS.md)


@dataclass(frozen=True)
class World:
    """The recorded table as the simulator sees it: its surrogate, the held-out residuals that
    make it noisy, and the yardsticks (the table's best, the slowest full run)."""

    configurations: int
    epochs: int
    best: float
    reference_s: float
    surrogate: CurveSurrogate
    residuals: list[Residual]
    error: HeldOutError

    @property
    def target(self) -> float:
        return self.best - TOLERANCE

    def describe(self) -> str:
        return (f"table: {self.configurations} configurations, {self.epochs} epochs; best final val_acc "
                f"{self.best:.4f}\nsurrogate, held out (grouped 5-fold): val_acc error "
                f"{100 * self.error.val_acc:.1f} points per epoch, {100 * self.error.final_val_acc:.1f} at the last; "
                f"seconds per epoch within ×{self.error.seconds_ratio:.2f}")


def load_world(path: Path = TABLE) -> World:
    table = pq.read_table(path).to_pandas()
    max_epochs = SETTING["max_epochs"]
    residuals = held_out_residuals(table, max_epochs)
    finals = table.sort_values("epoch").groupby("config_id").last()
    return World(configurations=table["config_id"].nunique(), epochs=len(table), best=float(finals["val_acc"].max()),
                 reference_s=float(epoch_seconds(table).groupby(table["config_id"]).sum().max()),
                 surrogate=CurveSurrogate(table, max_epochs), residuals=residuals, error=held_out_error(residuals))


def front_hypervolume(trace: Trace, reference_s: float) -> float:
    """Hypervolume of the full runs (seconds trained, last accuracy) above the majority class."""
    return hypervolume([(run.train_time_s, run.last_val_acc) for run in trace.full_runs], MAJORITY_ACCURACY,
                       reference_s)


def world_curves(world: World, seed: int, noise: bool = True, same_arch: bool = False) -> CurveFn:
    """The curves one seed's search meets: the surrogate's plus held-out residuals drawn with
    `seed` (among the same architecture's, with `same_arch`), or with `noise` off its means."""
    return NoisyCurves(world.surrogate, world.residuals, seed, same_arch=same_arch) if noise else world.surrogate.curve


def run(arms: list[str], seeds: int, setting: Setting, world: World, noise: bool = True,
        same_arch: bool = False) -> pd.DataFrame:
    """Every arm for every seed; with `noise`, each seed's world draws the same residuals for every arm."""
    rows = []
    for seed in range(seeds):
        for arm in arms:  # interleaved: every seed runs every arm
            built = build(arm, setting, seed)
            curves = world_curves(world, seed, noise, same_arch)
            trace = simulate(setting.space, built.study, built.stopper, curves, slots=setting.slots,
                             budget_s=setting.budget_s, max_epochs=setting.max_epochs, samples=setting.samples,
                             reuse=built.reuse)
            anytime = [trace.best_by(60 * m) for m in range(1, int(setting.budget_s // 60) + 1)]  # minute by minute
            rows.append({"arm": arm, "seed": seed,
                         **{f"best_{m}min": anytime[m - 1] for m in MINUTES if m <= len(anytime)},
                         "anytime": anytime,
                         "compute_to_target_s": trace.compute_to_reach(world.target), "trials": len(trace.configs),
                         "hypervolume": front_hypervolume(trace, world.reference_s)})
    return pd.DataFrame(rows)


def summary(results: pd.DataFrame) -> pd.DataFrame:
    table = []
    for arm, group in results.groupby("arm", sort=False):
        row = {"arm": arm}
        for column in [c for c in results if c.startswith("best_")]:
            values = group[column].dropna()
            row[column.removeprefix("best_").replace("min", " min")] = (
                f"{values.median():.3f} ({values.quantile(0.025):.3f}–{values.quantile(0.975):.3f})")
        if "best_20min" in group:
            row[f"P(≥{GOAL_20_MIN:.0%} by 20 min)"] = f"{(group['best_20min'] >= GOAL_20_MIN).mean():.2f}"
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


def paired(variant: pd.DataFrame, default: pd.DataFrame, column: str, seed: int = 0) -> tuple[float, float, float]:
    """Mean per-seed difference (variant − default) and its bootstrap 95% interval."""
    diff = (variant.set_index("seed")[column] - default.set_index("seed")[column]).dropna().to_numpy()
    rng = np.random.default_rng(seed)
    boot = [rng.choice(diff, len(diff)).mean() for _ in range(2000)]
    return float(diff.mean()), float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))


def against_line(results: pd.DataFrame, arm: str, other: str) -> str:
    """`arm` minus `other`, paired by seed, at every budget: mean points and 95% interval."""
    mine, theirs = results[results["arm"] == arm], results[results["arm"] == other]
    parts = []
    for column in [c for c in results if c.startswith("best_")]:
        mean, low, high = paired(mine, theirs, column)
        parts.append(f"{column.removeprefix('best_')} {100 * mean:+.2f} ({100 * low:+.2f}…{100 * high:+.2f})")
    return f"{arm} − {other}, best val_acc in points, paired by seed (95% CI): " + "; ".join(parts)


def compute_ratio_line(results: pd.DataFrame, setting: Setting) -> str:
    """random-full's compute to the target over the project's; a run that never reached it is
    counted as all it could spend (slots × budget), a lower bound on its true cost."""
    spendable = setting.slots * setting.budget_s

    def capped(arm: str) -> np.ndarray:
        compute = results.loc[results["arm"] == arm, "compute_to_target_s"].to_numpy(dtype=float)
        return np.where(np.isfinite(compute), compute, spendable)

    ratio, low, high = ratio_with_interval(capped("random-full"), capped("project"))
    return f"compute_ratio={ratio:.2f} (95% CI {low:.2f}–{high:.2f})"


def hypervolume_ratio_line(results: pd.DataFrame) -> str:
    volumes = {arm: results.loc[results["arm"] == arm, "hypervolume"].to_numpy() for arm in ("pareto", "project")}
    ratio, low, high = ratio_with_interval(volumes["pareto"], volumes["project"])
    return f"hypervolume_ratio={ratio:.2f} (95% CI {low:.2f}–{high:.2f})"


def noise_words(noise: bool, same_arch: bool) -> str:
    if not noise:
        return "surrogate means"
    return "surrogate + held-out residuals" + (" of the same architecture" if same_arch else "")


def simulated_benchmark(arms: list[str], seeds: int, budget_s: float, samples: int, noise: bool = True,
                        table: Path = TABLE, overrides: dict | None = None,
                        same_arch: bool = False) -> tuple[pd.DataFrame, World]:
    """Load the world, print what it is, run the arms and print their summary; for the benchmarks' last lines."""
    started = time.time()
    world = load_world(table)
    print(world.describe(), flush=True)
    setting = recorded_setting(budget_s=budget_s, samples=samples, **(overrides or {}))
    results = run(arms, seeds, setting, world, noise, same_arch)
    print(f"{seeds} seeds, budget {budget_s:.0f} simulated s, {setting.slots} slots, ≤ {samples} trials; "
          f"{noise_words(noise, same_arch)}; best val_acc by minute "
          f"(median, 95% interval), target {world.target:.4f} ({time.time() - started:.0f} s)")
    print(summary(results).to_string(index=False))
    return results, world


def table_missing(path: Path = TABLE) -> bool:
    """True (with one line on stderr) unless `path` is a table of recorded curves."""
    if not path.is_file():
        problem = "is missing; record it first (python -m benchmarks.curves record)"
    else:
        try:
            columns = set(pq.read_schema(path).names)
        except (OSError, pa.ArrowException) as error:
            problem = f"is not a Parquet table ({str(error).splitlines()[0]})"
        else:
            lacking = sorted({"config_id", "epoch", "val_acc", "val_loss", "epoch_time_s"} - columns)
            if not lacking:
                return False
            problem = f"is not a table of recorded curves (no {', '.join(lacking)})"
    print(f"benchmarks.curves: error: {path} {problem}", file=sys.stderr)
    return True


def add_table_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", type=Path, default=TABLE, help=f"the recorded curves (default {TABLE.name})")


def add_same_arch_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--same-arch-residuals", action="store_true",
                        help="draw each trial's held-out residual among recorded configurations of its own "
                             "architecture (the world for questions about training time; see NoisyCurves)")


def add_knob_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE",
                        help="change one of the project's knobs (repeatable), e.g. ranking=accuracy")


def knob_overrides(texts: list[str]) -> dict | None:
    """The `--set` overrides, or None (with one line on stderr) when one is bad."""
    try:
        return dict(parse_knob(text) for text in texts)
    except ValueError as error:
        print(f"benchmarks.curves: error: --set {error}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.curves simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--budget-s", type=float, default=3600)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--no-noise", action="store_true",
                        help="the surrogate's mean curves alone, without held-out residuals added")
    parser.add_argument("--output", help="also write every seed's figures to this Parquet file")
    parser.add_argument("--plot", help="also draw the anytime best accuracy of every arm to this HTML file")
    add_same_arch_option(parser)
    add_table_option(parser)
    add_knob_option(parser)
    args = parser.parse_args(argv)
    overrides = knob_overrides(args.set)
    if overrides is None:
        return 2
    arms = args.arms.split(",")
    unknown = sorted(set(arms) - set(ARMS))
    if unknown:
        print(f"benchmarks.curves: error: unknown arm {unknown[0]!r}; arms are {', '.join(ARMS)}", file=sys.stderr)
        return 2
    if table_missing(args.table):
        return 2
    results, world = simulated_benchmark(arms, args.seeds, args.budget_s, args.samples, not args.no_noise, args.table,
                                         overrides, args.same_arch_residuals)
    if args.output:
        results.to_parquet(args.output, index=False)
    if args.plot:
        from benchmarks.curves.plot import anytime_figure

        anytime_figure(results, world).write_html(args.plot, include_plotlyjs=True)
    setting = recorded_setting(budget_s=args.budget_s, **overrides)
    if {"optuna-hyperband", "project"} <= set(arms):
        print(against_line(results, "project", "optuna-hyperband"))
    if {"random-full", "project"} <= set(arms):
        print(compute_ratio_line(results, setting))
    if {"pareto", "project"} <= set(arms):
        print(hypervolume_ratio_line(results))
    return 0
