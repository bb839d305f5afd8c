"""Figure 2: validation accuracy and loss per epoch, one line per trial.

As the study's figures 1.2 and 1.3, the lines are coloured by learning rate or by batch
size (a dropdown switches), to show how each shapes the speed and stability of learning.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reports.binning import log_groups
from reports.evidence.rules import name_of, prefix_of
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import PERCENT_TICKS, sequential_colours, tidy
from reports.hyperparameters import format_value
from reports.wording import plural

GROUPINGS = ("lr", "batch_size")


def learning_curves(experiment: Experiment) -> Panel:
    curves = curve_table(experiment.trials, experiment.epochs)
    if curves.empty:
        return no_figure("No trial reported a finished epoch, so there are no learning curves.")
    return Panel(_draw(curves), _takeaway(experiment.trials, curves))


def curve_table(trials: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """Epoch rows with their trial's state and lr / batch-size group labels, in epoch order."""
    groups = trials[["trial_id", "state"]].copy()
    groups["lr"] = log_groups(trials["lr"]).astype(object).fillna("unknown")
    groups["batch_size"] = trials["batch_size"].map(lambda b: format_value(int(b)) if pd.notna(b) else "unknown")
    curves = epochs.merge(groups, on="trial_id", how="inner").sort_values(["trial_id", "epoch"])
    for column in ("val_acc", "val_loss"):
        values = pd.to_numeric(curves[column], errors="coerce").astype(float)
        curves[column] = values.where(np.isfinite(values))
    return curves


def _draw(curves: pd.DataFrame) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, subplot_titles=("validation accuracy", "validation loss"),
                           horizontal_spacing=0.08)
    visibility: dict[str, list[bool]] = {by: [] for by in GROUPINGS}
    for by in GROUPINGS:
        order = sorted(curves[by].unique(), key=_sort_key)
        colours = dict(zip(order, sequential_colours(len(order))))
        for rank, group in enumerate(order):  # legend entries, solid whatever the first trial's fate
            figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"{prefix_of(by)} {group}",
                                        legendgroup=f"{by}:{group}", legendrank=rank, visible=by == "lr",
                                        line={"color": colours[group], "width": 2}), row=1, col=1)
            for key in visibility:
                visibility[key].append(key == by)
        for trial_id, trial in curves.groupby("trial_id", sort=False):
            group = trial[by].iloc[0]
            for col, metric in ((1, "val_acc"), (2, "val_loss")):
                figure.add_trace(go.Scatter(
                    x=trial["epoch"], y=trial[metric], mode="lines+markers", name=f"{prefix_of(by)} {group}",
                    legendgroup=f"{by}:{group}", showlegend=False, visible=by == "lr",
                    line={"color": colours[group], "width": 1.5, "dash": "dot" if trial["state"].iloc[0] != "complete"
                          else "solid"},
                    marker={"size": 4},
                    hovertemplate=f"trial {trial_id} ({trial['state'].iloc[0]}), {prefix_of(by)} {group}"
                                  f"<br>epoch %{{x}}: %{{y:.4g}}<extra></extra>"),
                    row=1, col=col)
                for key in visibility:
                    visibility[key].append(key == by)
    buttons = [{"label": f"colour by {name_of(by)}", "method": "update",
                "args": [{"visible": visibility[by]}, {"legend.title.text": name_of(by)}]}
               for by in GROUPINGS]
    figure.update_layout(updatemenus=[{"buttons": buttons, "direction": "down", "x": 0, "xanchor": "left",
                                       "y": 1.2, "yanchor": "top", "showactive": True}],
                         legend={"title": {"text": name_of("lr")}},
                         title={"text": "Learning curves (dotted: stopped early)", "x": 0.5})
    figure.update_xaxes(title="epoch", dtick=1 if curves["epoch"].max() <= 12 else None)
    figure.update_yaxes(tickformatstops=PERCENT_TICKS, row=1, col=1)
    losses = curves["val_loss"].dropna()
    if len(losses) and losses.min() > 0 and losses.max() / losses.min() > 20:
        figure.update_yaxes(type="log", title="log scale", row=1, col=2)
    tidy(figure, height=500)
    figure.update_layout(margin={"t": 110})
    return figure


def _sort_key(group: str) -> float:
    """Order group labels numerically by their lower end ("0.01–0.03" sorts by 0.01)."""
    try:
        return float(group.split("–")[0])
    except ValueError:
        return math.inf


def _takeaway(trials: pd.DataFrame, curves: pd.DataFrame) -> str:
    """What the curves show as facts; what lr and batch size *do* is left to the sections that
    account for the other hyperparameters (a mean per colour here would mix them all in)."""
    shown = curves["trial_id"].nunique()
    parts = [f"{plural(shown, 'trial')} drawn, {plural(int(curves['epoch'].count()), 'epoch')} in all"]
    complete = trials[trials["state"] == "complete"]
    known = complete.dropna(subset=["best_epoch", "epochs"])
    if complete.empty:
        parts.append("no trial ran to the end")
    elif known.empty:
        parts.append("the full runs did not record their best epoch")
    else:
        still_learning = int((known["best_epoch"] >= known["epochs"]).sum())
        parts.append(f"still improving at the last epoch: {still_learning} of {plural(len(known), 'full run')}")
    diverged = int((trials["state"] == "diverged").sum())
    if diverged:
        parts.append(f"{plural(diverged, 'trial')} diverged (dotted, cut where the loss went non-finite)")
    return "; ".join(parts) + ". What the learning rate and the batch size do, the others accounted for, is in " \
                              "the sections on effects and on learning rate × batch size."
