"""Figure 6: learning rate × batch size, the interaction the study kept returning to.

Each cell is the mean best validation accuracy of the trials in it (pruned ones
included); a sampled learning rate is binned on a log scale so cells have several trials.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from reports.binning import log_groups
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import percent_format, tidy
from reports.hyperparameters import format_value
from reports.wording import plural
from reports.pareto import ACCURACY


def lr_batch_heatmap(experiment: Experiment) -> Panel:
    cells = lr_batch_cells(experiment.trials)
    if cells.empty:
        return no_figure("No trial has a learning rate, a batch size and an accuracy, so there is no map.")
    lrs, batches = cells["lr"].unique(), cells["batch_size"].unique()
    if len(lrs) == 1 and len(batches) == 1:
        return no_figure(f"Neither learning rate ({lrs[0]}) nor batch size ({batches[0]}) varied, so there is no "
                         "interaction to map.")
    notes = []
    if len(lrs) == 1:
        notes.append(f"Learning rate did not vary (lr {lrs[0]}), so the map is a single row.")
    if len(batches) == 1:
        notes.append(f"Batch size did not vary ({batches[0]}), so the map is a single column.")
    return Panel(_draw(cells), _takeaway(cells), tuple(notes))


def lr_batch_cells(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per occupied (lr group, batch size) cell: mean accuracy and trial count,
    both keys ordered categoricals so cells sort by value, not by label."""
    measured = trials.dropna(subset=["lr", "batch_size", ACCURACY])
    if measured.empty:
        return pd.DataFrame(columns=["lr", "batch_size", "mean_accuracy", "trials"])
    sizes = sorted(int(b) for b in measured["batch_size"].unique())
    keyed = pd.DataFrame({
        "lr": log_groups(measured["lr"]),
        "batch_size": pd.Categorical(measured["batch_size"].map(lambda b: format_value(int(b))),
                                     categories=[format_value(b) for b in sizes], ordered=True),
        ACCURACY: measured[ACCURACY]})
    cells = keyed.groupby(["lr", "batch_size"], observed=True)[ACCURACY].agg(["mean", "size"]).reset_index()
    return cells.rename(columns={"mean": "mean_accuracy", "size": "trials"})


def _draw(cells: pd.DataFrame) -> go.Figure:
    z = cells.pivot(index="lr", columns="batch_size", values="mean_accuracy")
    n = cells.pivot(index="lr", columns="batch_size", values="trials")
    text = [[f"{v:.1%}<br>n={int(c)}" if pd.notna(v) else "" for v, c in zip(zr, nr)]
            for zr, nr in zip(z.to_numpy(), n.to_numpy())]
    ticks = percent_format(cells["mean_accuracy"].min(), cells["mean_accuracy"].max())
    figure = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=[f"batch {b}" for b in z.columns], y=[f"lr {lr}" for lr in z.index], text=text,
        texttemplate="%{text}", colorscale="Viridis", colorbar={"title": "mean best<br>val acc", "tickformat": ticks},
        hovertemplate="%{y}, %{x}<br>%{text}<extra></extra>", xgap=2, ygap=2))
    figure.update_layout(title="Mean best validation accuracy per learning rate and batch size",
                         xaxis={"title": "batch size", "type": "category"},
                         yaxis={"title": "learning rate", "type": "category"})
    return tidy(figure, height=max(320, 120 + 60 * len(z.index)))


def _takeaway(cells: pd.DataFrame) -> str:
    best = cells.loc[cells["mean_accuracy"].idxmax()]
    worst = cells.loc[cells["mean_accuracy"].idxmin()]
    sentence = (f"The best cell is lr {best['lr']} with batch size {best['batch_size']} (mean "
                f"{best['mean_accuracy']:.1%} over {plural(int(best['trials']), 'trial')})")
    if best["mean_accuracy"] == worst["mean_accuracy"]:
        return sentence + "; every cell has the same mean accuracy."
    return (sentence + f"; the worst is lr {worst['lr']} with batch size {worst['batch_size']} "
            f"({worst['mean_accuracy']:.1%}).")
