"""The report's evidence engine on planted truth: power, false claims and coverage, before and after.

Every kind of `benchmarks.planted` is drawn for several seeds and written as an experiment
folder; each engine reads it as the report does and says, per factor, whether it changes the
training time per epoch and validation accuracy. Scored against what was planted:

- false claims: a factor with no planted effect called a driver of time (a "real but small"
  time effect counted apart), or said to change accuracy or to beat another value — per
  chance (such factors × experiments), and experiments with at least one;
- power: planted accuracy effects named;
- coverage: time intervals (each contrast with 3 trials a side) that hold the planted ratio.

Then the recorded FER2013 full runs (`benchmarks.curves`): the 150-run verdicts, and the drivers
that random 25- and 50-trial subsets name which the 150-run fit does not.

"after" is this checkout's engine (`reports.evidence.verdicts`); "before" is the engine of a git
revision (default: main as issue 23 found it), exported with `git archive` and run in a
subprocess; its claims include those of the sections that made their own (Optuna's importance,
the comparisons' time words).

    python -m benchmarks.evidence_power                       # every kind, 5 seeds, both engines
    python -m benchmarks.evidence_power --kinds null tpe --seeds 2 --no-before --no-recorded
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from benchmarks.curves.as_experiment import experiment_tables, write_experiment
from benchmarks.curves.record import TABLE
from benchmarks.planted import KINDS, Kind, planted_experiment, write_planted
from benchmarks.search_runs import machine_line
from reports.evidence import accuracy_model, time_model
from reports.evidence.rules import DRIVER, SMALL
from reports.evidence.verdicts import ACCURACY, TIME, verdicts
from reports.experiment import load_experiment
from trainables.hyperparameters import DEFAULTS

BEFORE = "644846a"  # main when issue 23 was filed
REPO = Path(__file__).resolve().parents[1]
ADAPTER = r'''
import json, re, sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from reports.experiment import load_experiment
from reports.evidence import accuracy_model, time_model
from reports.figures.importance import accuracy_importance
out = []
for folder in sys.argv[1:]:
    e = load_experiment(Path(folder))
    t, a = time_model(e), accuracy_model(e)
    time_kinds = {f.name: t.verdict(f.name) for f in t.factors}
    extra_time = [f for f in ("activation", "standardize") if time_kinds.get(f) == "confounded"]
    accuracy = {}
    for _, row in a.effects.iterrows():
        beat = a.decided(row["factor"])
        accuracy[row["factor"]] = {"claim": bool(row["matters"]) or beat,
                                   "beat": [str(row["best"]), str(row["worst"]), None] if beat else None}
    panel = accuracy_importance(e)
    top = re.match(r"(\S+) matters most", panel.takeaway or "") if panel.figure is not None else None
    effects = t.effects[["factor", "contrast", "ratio", "low", "high", "trials"]].to_dict("records")
    out.append({"time": {k: ("none" if v in ("none", "unknown") else v) for k, v in time_kinds.items()},
                "time_effects": effects, "accuracy": accuracy,
                "extra": {"time": extra_time, "accuracy": [top[1]] if top else []}})
print(json.dumps(out, default=float))
'''


def after_claims(folder: Path) -> dict:
    """This checkout's verdicts, in the shape the adapter gives the old engine's."""
    experiment = load_experiment(folder)
    found, time, accuracy = verdicts(experiment), time_model(experiment), accuracy_model(experiment)
    kinds = {v.factor: {DRIVER: "driver", SMALL: "small"}.get(v.kind, "none") for v in found.of(TIME)}
    claims = {}
    for v in found.of(ACCURACY):
        effect = accuracy.effect(v.factor)
        beat = accuracy.beats(v.factor) and effect is not None
        within = effect["within"] if beat and pd.notna(effect["within"]) else None
        claims[v.factor] = {"claim": v.kind in (DRIVER, SMALL),
                            "beat": [str(effect["best"]), str(effect["worst"]), within] if beat else None}
    effects = time.effects[["factor", "contrast", "ratio", "low", "high", "trials"]].to_dict("records")
    return {"time": kinds, "time_effects": effects, "accuracy": claims, "extra": {"time": [], "accuracy": []}}


def before_claims(folders: list[Path], revision: str) -> list[dict]:
    """The old engine's claims on each folder, run in an export of `revision`."""
    with tempfile.TemporaryDirectory(prefix="engine-before-") as tree:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
        run = subprocess.run([sys.executable, "-c", ADAPTER, *map(str, folders)], cwd=tree, capture_output=True,
                             text=True, env={"PYTHONPATH": tree, "PATH": "/usr/bin:/bin"})
        if run.returncode:
            raise RuntimeError(f"the old engine failed: {run.stderr[-2000:]}")
        return json.loads(run.stdout)


def planted_ratio(kind: Kind, factor: str, contrast: str) -> float | None:
    """The time ratio `kind` planted for one contrast of the engine's, None if unknown."""
    if factor not in kind.time_factors:
        return 1.0
    base = dict(DEFAULTS)
    levels = re.fullmatch(r"(?:batch )?(\S+) vs (\S+)", contrast)
    if levels and factor == "arch":
        return kind.seconds({**base, "arch": levels[1]}) / kind.seconds({**base, "arch": levels[2]})
    if levels and factor == "batch_size":
        return (kind.seconds({**base, "batch_size": int(levels[1])}) /
                kind.seconds({**base, "batch_size": int(levels[2])}))
    if contrast.startswith("halving the") and factor == "batch_size":
        ratios = {round(kind.seconds({**base, "batch_size": b // 2}) / kind.seconds({**base, "batch_size": b}), 6)
                  for b in (64, 128, 256, 512)}
        return ratios.pop() if len(ratios) == 1 else None  # only a power law has one ratio per halving
    return None


def score(kind: Kind, trials: pd.DataFrame, claims: dict) -> dict:
    """One experiment's counts (see the module docstring)."""
    varied = [name for name in DEFAULTS if trials[name].nunique() > 1]
    null_time = [f for f in varied if f not in kind.time_factors]
    null_accuracy = [f for f in varied if f not in kind.accuracy_factors]
    said_accuracy = {f for f, c in claims["accuracy"].items() if c["claim"] or c["beat"]} | set(
        claims["extra"]["accuracy"])
    drivers = {f for f, k in claims["time"].items() if k == "driver"} | set(claims["extra"]["time"])
    small = {f for f, k in claims["time"].items() if k == "small"}
    covered = total = 0
    for row in claims["time_effects"]:
        truth = planted_ratio(kind, row["factor"], row["contrast"])
        if truth is None or row["trials"] < 3 or not all(math.isfinite(row[k]) for k in ("low", "high")):
            continue
        total += 1
        covered += row["low"] <= truth <= row["high"]
    named = [f for f in kind.accuracy_factors if f in varied]
    return {"time_chances": len(null_time), "time_false": len(drivers & set(null_time)),
            "time_small_false": len(small & set(null_time)), "accuracy_chances": len(null_accuracy),
            "accuracy_false": len(said_accuracy & set(null_accuracy)), "planted": len(named),
            "named": len([f for f in named if f in said_accuracy]), "intervals": total, "covered": covered,
            "false_factors": sorted((drivers & set(null_time)) | (said_accuracy & set(null_accuracy)))}


def planted_table(kinds: list[Kind], seeds: list[int], before: str | None, folder: Path) -> pd.DataFrame:
    """Per experiment and engine, its scores."""
    drawn, rows = [], []
    for kind in kinds:
        for seed in seeds:
            planted = planted_experiment(kind, seed)
            path = write_planted(folder / f"{kind.name}-{kind.trials}-{seed}", planted)
            drawn.append((kind, seed, pd.DataFrame(planted.trials), path))
    engines = {"after": [after_claims(path) for *_, path in drawn]}
    if before:
        engines["before"] = before_claims([path for *_, path in drawn], before)
    for engine, all_claims in engines.items():
        for (kind, seed, trials, _), claims in zip(drawn, all_claims):
            rows.append({"engine": engine, "kind": kind.name, "trials": kind.trials, "seed": seed,
                         "points": kind.accuracy_points, **score(kind, trials, claims)})
    return pd.DataFrame(rows)


def summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per kind and engine: false claims per chance, experiments with one, power, coverage."""
    keys = ["kind", "trials", "engine"]
    grouped = scores.groupby(keys)
    table = pd.DataFrame({
        "experiments": grouped.size(),
        "time false": _fraction(grouped["time_false"].sum(), grouped["time_chances"].sum()),
        "time small false": _fraction(grouped["time_small_false"].sum(), grouped["time_chances"].sum()),
        "accuracy false": _fraction(grouped["accuracy_false"].sum(), grouped["accuracy_chances"].sum()),
        "experiments with a false claim": _fraction(grouped.apply(lambda g: ((g["time_false"] + g["accuracy_false"])
                                                                            > 0).sum()), grouped.size()),
        "power": _fraction(grouped["named"].sum(), grouped["planted"].sum()),
        "coverage": _fraction(grouped["covered"].sum(), grouped["intervals"].sum()),
    })
    return table


def _fraction(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return pd.Series([f"{int(n)}/{int(d)}" if d else "–" for n, d in zip(numerator, denominator)],
                     index=numerator.index)


def recorded_table(sizes: list[int], seeds: list[int], folder: Path) -> tuple[dict, pd.DataFrame]:
    """The 150-run verdicts, and per subset the drivers the 150-run fit does not name."""
    table = pq.read_table(TABLE).to_pandas()
    whole = folder / "recorded-all"
    write_experiment(whole, *experiment_tables(table), name="recorded curves")
    reference = after_claims(whole)
    named = {TIME: {f for f, k in reference["time"].items() if k in ("driver", "small")},
             ACCURACY: {f for f, c in reference["accuracy"].items() if c["claim"]}}
    rows = []
    for size in sizes:
        for seed in seeds:
            path = folder / f"recorded-{size}-{seed}"
            write_experiment(path, *experiment_tables(table, size, seed), name=f"{size} drawn with seed {seed}")
            claims = after_claims(path)
            time_drivers = {f for f, k in claims["time"].items() if k in ("driver", "small")}
            accuracy_drivers = {f for f, c in claims["accuracy"].items() if c["claim"]}
            rows.append({"trials": size, "seed": seed, "time": sorted(time_drivers),
                         "time unsupported": sorted(time_drivers - named[TIME]), "accuracy": sorted(accuracy_drivers),
                         "accuracy unsupported": sorted(accuracy_drivers - named[ACCURACY])})
    return {question: sorted(found) for question, found in named.items()}, pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.evidence_power", description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", choices=sorted(KINDS), default=list(KINDS))
    parser.add_argument("--seeds", type=int, default=5, help="seeds per kind (default: 5)")
    parser.add_argument("--trials", type=int, nargs="+", help="trials per experiment (default: each kind's own)")
    parser.add_argument("--before", default=BEFORE, help=f"git revision of the old engine (default: {BEFORE})")
    parser.add_argument("--no-before", action="store_true", help="this checkout's engine only")
    parser.add_argument("--recorded-seeds", type=int, default=5, help="subsets of the recorded runs per size")
    parser.add_argument("--no-recorded", action="store_true", help="skip the recorded FER2013 runs")
    args = parser.parse_args(argv)
    started = time.time()
    print(machine_line())
    kinds = [KINDS[name] if not args.trials else KINDS[name].with_trials(n) for name in args.kinds
             for n in (args.trials or [None])]
    with tempfile.TemporaryDirectory(prefix="evidence-power-") as folder:
        scores = planted_table(kinds, list(range(args.seeds)), None if args.no_before else args.before, Path(folder))
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(summary(scores).to_string())
            falses = scores[scores["false_factors"].map(len) > 0]
            print("\nfalse claims:", "; ".join(f"{r.engine} {r.kind}/{r.seed}: {', '.join(r.false_factors)}"
                                              for r in falses.itertuples()) or "none")
            if not args.no_recorded:
                reference, subsets = recorded_table([25, 50], list(range(1, args.recorded_seeds + 1)),
                                                    Path(folder))
                print(f"\nrecorded, all 150: time {reference[TIME]}; accuracy {reference[ACCURACY]}")
                print(subsets.to_string(index=False))
    after = scores[scores["engine"] == "after"]
    ten = after[(after["points"] >= 10) & (after["trials"] == 40)]
    print(f"\nfalse_time={after['time_false'].sum()}/{after['time_chances'].sum()} "
          f"false_accuracy={after['accuracy_false'].sum()}/{after['accuracy_chances'].sum()} "
          f"power10_at_40={ten['named'].sum()}/{ten['planted'].sum()} "
          f"coverage={after['covered'].sum()}/{after['intervals'].sum()} ({time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
