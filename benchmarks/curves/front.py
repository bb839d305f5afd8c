"""Why a search's accuracy–time front is what it is: where the search spent its trials, and what
its hypervolume is made of.

On FER2013 the architecture decides a run's time (an arch1 full run takes about a tenth of an
arch2 one), so each search is profiled per architecture: trials started, training seconds,
full runs, and the best of its full runs (the front's fast and slow ends). The front's
hypervolume (`simulate.front_hypervolume`: full runs' seconds and last accuracy, against the
majority class and the table's slowest full run) is split into the strips each architecture's
points add (`experiment.pareto.hypervolume_strips`). The same split on the recorded table's own
full runs shows what any search's front can be made of.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.curves.record import SETTING, epoch_seconds
from benchmarks.curves.simulator import Trace
from experiment.pareto import hypervolume_strips
from trainables.dataset import MAJORITY_ACCURACY
from trainables.hyperparameters import ARCHITECTURES


def search_profile(trace: Trace, reference_s: float) -> dict[str, float]:
    """One search, per architecture: `trials_`, `seconds_` (training seconds it spent), `full_`
    (full runs), `best_` (best last accuracy of its full runs, NaN if none) and `hypervolume_`
    (the strips its full runs add); and the whole `hypervolume`."""
    arch_of = {trial: config.get("arch") for trial, config in trace.configs.items()}
    profile: dict[str, float] = {}
    for arch in ARCHITECTURES:
        runs = [run for run in trace.full_runs if arch_of[run.trial] == arch]
        profile[f"trials_{arch}"] = sum(1 for a in arch_of.values() if a == arch)
        profile[f"seconds_{arch}"] = sum(r.seconds for r in trace.reports if arch_of[r.trial] == arch)
        profile[f"full_{arch}"] = len(runs)
        profile[f"best_{arch}"] = max((run.last_val_acc for run in runs), default=np.nan)
    strips = hypervolume_strips([(run.train_time_s, run.last_val_acc) for run in trace.full_runs],
                                MAJORITY_ACCURACY, reference_s)
    for arch in ARCHITECTURES:
        profile[f"hypervolume_{arch}"] = sum(area for i, area in strips.items()
                                             if arch_of[trace.full_runs[i].trial] == arch)
    profile["hypervolume"] = sum(strips.values())
    return profile


def table_profile(table: pd.DataFrame, reference_s: float, max_epochs: int = SETTING["max_epochs"]) -> dict:
    """The recorded table's full runs as one search that trained them all: full runs, best last
    accuracy and hypervolume strips per architecture, and the whole hypervolume."""
    ordered = table.assign(seconds=epoch_seconds(table)).sort_values("epoch").groupby("config_id")
    runs = pd.DataFrame({"arch": ordered["arch"].first(), "seconds": ordered["seconds"].sum(),
                         "last": ordered["val_acc"].last(), "epochs": ordered["epoch"].max()})
    runs = runs[runs["epochs"] >= max_epochs].reset_index(drop=True)
    strips = hypervolume_strips(list(zip(runs["seconds"], runs["last"])), MAJORITY_ACCURACY, reference_s)
    profile: dict[str, float] = {}
    for arch in ARCHITECTURES:
        mine = runs["arch"] == arch
        profile[f"full_{arch}"] = int(mine.sum())
        profile[f"best_{arch}"] = float(runs.loc[mine, "last"].max())
        profile[f"hypervolume_{arch}"] = sum(area for i, area in strips.items() if mine.iloc[i])
    profile["hypervolume"] = sum(strips.values())
    return profile


def profile_table(profiles: pd.DataFrame, table: dict | None = None) -> pd.DataFrame:
    """Per strategy (rows of `profiles`, a column `strategy`): the mean trials, share of training
    seconds and mean full runs per architecture, the median best full run per architecture, and
    the median hypervolume with each architecture's mean share of it; the recorded table last."""
    rows = []
    for strategy, group in profiles.groupby("strategy", sort=False):
        seconds = group[[f"seconds_{a}" for a in ARCHITECTURES]].to_numpy(dtype=float)
        share = seconds.sum(axis=0) / seconds.sum()
        rows.append({"search": strategy,
                     "trials (arch1/2/3)": _per_arch(group, "trials", "{:.0f}"),
                     "training seconds": " / ".join(f"{s:.0%}" for s in share),
                     "full runs": _per_arch(group, "full", "{:.1f}"),
                     "best full run, %": _per_arch(group, "best", "{:.1f}", 100, _median_of_found),
                     "hypervolume": f"{group['hypervolume'].median():.1f}",
                     "its share by arch": _shares(group)})
    if table is not None:
        rows.append({"search": "recorded table (all full runs)", "trials (arch1/2/3)": "—", "training seconds": "—",
                     "full runs": " / ".join(str(table[f"full_{a}"]) for a in ARCHITECTURES),
                     "best full run, %": " / ".join(f"{100 * table[f'best_{a}']:.1f}" for a in ARCHITECTURES),
                     "hypervolume": f"{table['hypervolume']:.1f}",
                     "its share by arch": " / ".join(f"{table[f'hypervolume_{a}'] / table['hypervolume']:.0%}"
                                                     for a in ARCHITECTURES)})
    return pd.DataFrame(rows)


def _per_arch(group: pd.DataFrame, prefix: str, form: str, scale: float = 1.0, centre=np.mean) -> str:
    return " / ".join(form.format(scale * centre(group[f"{prefix}_{a}"].to_numpy(dtype=float)))
                      for a in ARCHITECTURES)


def _shares(group: pd.DataFrame) -> str:
    total = group["hypervolume"].to_numpy(dtype=float)
    parts = []
    for arch in ARCHITECTURES:
        share = np.divide(group[f"hypervolume_{arch}"].to_numpy(dtype=float), total, out=np.zeros_like(total),
                          where=total > 0)
        parts.append(f"{share.mean():.0%}")
    return " / ".join(parts)


def _median_of_found(values: np.ndarray) -> float:
    """The median over the searches that had such a full run (NaN when none had)."""
    found = values[np.isfinite(values)]
    return float(np.median(found)) if len(found) else float("nan")
