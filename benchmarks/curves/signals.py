"""The rung rankings judged on the recorded curves themselves, without the surrogate.

At a rung after epoch e, a ranking orders the trials by what they have shown so far; a good
ranking orders them as their final best accuracy will. For every recorded configuration that
reached epoch e, this builds the project's own `Progress` from its first e epochs, asks each
ranking for its keys, and reports the Spearman correlation of the key order with the final best
accuracy, and how many of the final top five a rung would keep (the project's rung rule,
`continues`, applied to every trial as if it had arrived last).
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import spearmanr

from benchmarks.curves.simulator import CurveFn
from search.scheduling import Progress
from search.scheduling.successive_halving import continues

TOP = 5


def progress_at(curve: pd.DataFrame, epoch: int) -> Progress:
    """What a trial with this recorded curve has shown after `epoch` epochs."""
    progress = Progress()
    for row in curve[curve["epoch"] <= epoch].itertuples():
        progress = progress.updated({"epoch": row.epoch, "val_acc": row.val_acc, "val_loss": row.val_loss})
    return progress


def rung_signals(table: pd.DataFrame, rankings: dict, epochs: tuple[int, ...] = (1, 2, 3, 4),
                 reduction_factor: float = 3) -> pd.DataFrame:
    """One row per (epoch, ranking): Spearman with the final best accuracy, and the final top five kept."""
    curves = {config_id: curve.sort_values("epoch") for config_id, curve in table.groupby("config_id")}
    final = pd.Series({config_id: curve["val_acc"].max() for config_id, curve in curves.items()})
    rows = []
    for epoch in epochs:
        reached = [c for c, curve in curves.items() if curve["epoch"].max() >= epoch]
        progress = {c: progress_at(curves[c], epoch) for c in reached}
        best = set(final[reached].nlargest(TOP).index)
        for name, ranking in rankings.items():
            keys = ranking(progress)
            order = {key: position for position, key in enumerate(sorted(set(keys.values())))}
            rho = spearmanr([order[keys[c]] for c in reached], [-final[c] for c in reached]).statistic
            kept = {c for c in reached if continues(keys, c, reduction_factor)}
            rows.append({"epoch": epoch, "ranking": name, "trials": len(reached), "spearman": float(rho),
                         "kept": len(kept), f"final top {TOP} kept": len(best & kept)})
    return pd.DataFrame(rows)


def simulated_table(curves: CurveFn, configs: list[dict]) -> pd.DataFrame:
    """The curves a simulated world gives `configs`, as rows of a recorded table."""
    return pd.DataFrame([{"config_id": i, "epoch": e + 1, "val_acc": curve.val_acc[e], "val_loss": curve.val_loss[e]}
                         for i, curve in enumerate(map(curves, configs)) for e in range(len(curve.val_acc))])


def side_by_side(recorded: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    """Spearman of each ranking at each epoch, on the recorded curves and in the simulated world."""
    keys = ["epoch", "ranking"]
    return (recorded.set_index(keys)[["spearman"]].rename(columns={"spearman": "recorded"})
            .join(simulated.set_index(keys)[["spearman"]].rename(columns={"spearman": "simulated"}))
            .unstack("ranking").round(2))
