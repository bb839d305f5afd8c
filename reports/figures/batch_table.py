"""Figure 3: the study's batch-size table, rebuilt from this search.

For each batch size, the best trial at that size (highest best validation accuracy):
its accuracy, training time and epochs, beside the mean accuracy of all trials at that
size, so a lucky single trial is visible as such. Diverged trials are counted in a column of
their own, never averaged in as low accuracies. The table describes trials; what batch size
itself does, other hyperparameters accounted for, is in the sections on effects.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy
from reports.hyperparameters import format_value
from reports.pareto import ACCURACY, TIME

COLUMNS = ("batch size", "trials", "best val acc (best trial)", "training time (s)", "epochs run",
           "best trial", "mean best val acc (trials that did not diverge)", "diverged")


def batch_table(experiment: Experiment) -> Panel:
    rows = batch_rows(experiment.trials)
    if rows.empty:
        return no_figure("No trial has both a batch size and a validation accuracy, so there is no batch table.")
    notes = ("Each row's accuracy, time and epochs are those of the most accurate trial at that batch size; "
             "the last column averages all its trials.",)
    return Panel(_draw(rows), _takeaway(rows), notes)


def batch_rows(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per batch size, ordered by size: the best trial's numbers and the mean."""
    measured = trials.dropna(subset=["batch_size", ACCURACY])
    rows = []
    for batch, group in measured.groupby("batch_size", sort=True):
        trained = group[group["state"] != "diverged"]
        if trained.empty:
            continue
        best = trained.sort_values([ACCURACY, TIME], ascending=[False, True], na_position="last").iloc[0]
        rows.append({"batch_size": int(batch), "trials": len(group), "accuracy": best[ACCURACY],
                     "train_time_s": best[TIME], "epochs": best["epochs"], "trial_id": best["trial_id"],
                     "state": best["state"], "mean_accuracy": trained[ACCURACY].mean(),
                     "diverged": len(group) - len(trained)})
    return pd.DataFrame(rows)


def _draw(rows: pd.DataFrame) -> go.Figure:
    best = rows["accuracy"].idxmax()
    fill = [["#e8f4e8" if i == best else "white" for i in rows.index]] * len(COLUMNS)
    cells = [
        [f"{b:,}" for b in rows["batch_size"]], [str(n) for n in rows["trials"]],
        [f"{a:.1%}" for a in rows["accuracy"]], [_seconds(t) for t in rows["train_time_s"]],
        [format_value(e) for e in rows["epochs"]], [f"{t} ({s})" for t, s in zip(rows["trial_id"], rows["state"])],
        [f"{a:.1%}" for a in rows["mean_accuracy"]], [str(n) for n in rows["diverged"]],
    ]
    figure = go.Figure(go.Table(
        header={"values": [f"<b>{c}</b>" for c in COLUMNS], "fill_color": "#dde4ee", "align": "left",
                "font": {"size": 13}},
        cells={"values": cells, "fill_color": fill, "align": "left", "height": 28, "font": {"size": 13}},
        columnwidth=[70, 50, 110, 90, 60, 130, 130, 70]))
    tidy(figure, height=min(40 + 29 * (len(rows) + 1), 700))
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 0})  # room for the mode bar
    return figure


def _seconds(value: float) -> str:
    return f"{value:,.1f}" if pd.notna(value) else "–"


def _takeaway(rows: pd.DataFrame) -> str:
    if len(rows) == 1:
        row = rows.iloc[0]
        return (f"Batch size did not vary: every trial used {row['batch_size']:,}, whose best trial reached "
                f"{row['accuracy']:.1%} in {_seconds(row['train_time_s'])} s.")
    top = rows.loc[rows["accuracy"].idxmax()]
    timed = rows.dropna(subset=["train_time_s"])
    fastest = timed.loc[timed["train_time_s"].idxmin()] if len(timed) else top
    return (f"The best trial used batch size {top['batch_size']:,} ({top['accuracy']:.1%} in "
            f"{_seconds(top['train_time_s'])} s, {format_value(top['epochs'])} epochs); the quickest of these best "
            f"trials, at batch size {fastest['batch_size']:,}, reached {fastest['accuracy']:.1%} in "
            f"{_seconds(fastest['train_time_s'])} s.")
