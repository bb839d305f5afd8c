"""What drives training time: each factor's multiplicative effect on seconds per epoch.

Drawn from `reports.evidence.time_model` (a log-linear fit on every timed epoch of every
trial, pruned and diverged ones included): one row per contrast, its effect and 95% interval
on a log axis, so "arch3 costs 14× arch1" and "halving the batch costs 1.6×" read off the
same scale. A full run's time is the per-epoch time × its epochs.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from reports.evidence import time_model
from reports.evidence.rules import ratio_text
from reports.evidence.time_model import TimeModel
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy

VERDICT_COLOURS = {"driver": "#c62828", "small": "#e08e00", "none": "#888888", "confounded": "#7b1fa2",
                   "unknown": "#bbbbbb"}
VERDICT_NAMES = {"driver": "drives time", "small": "real but small", "none": "no evidence of an effect",
                 "confounded": "varied with another factor", "unknown": "cannot tell"}


def time_drivers(experiment: Experiment) -> Panel:
    model = time_model(experiment)
    notes = ("Each trial counts once: the median seconds of its epochs after the first (the first carries "
             "warm-up). Trials that replay another's results (reused) add no measurement and are left out.",
             "A factor enters the model by forward selection on BIC; one left out is judged by adding it alone. "
             "Intervals are 95% (t) for all of a factor's contrasts at once (Bonferroni); an effect under 1.25× is "
             "called small even when its interval excludes 1×.")
    drawn = model.effects.dropna(subset=["ratio"])
    if drawn.empty:
        return no_figure(model.sentence(), *notes)
    return Panel(_draw(model), model.sentence(), notes)


def _draw(model: TimeModel):
    rows = model.effects.dropna(subset=["ratio"])
    rank = {verdict: i for i, verdict in enumerate(VERDICT_COLOURS)}
    order = sorted(range(len(rows)), key=lambda i: (rank[model.verdict(rows["factor"].iloc[i])],
                                                    -abs(math.log(rows["ratio"].iloc[i]))))
    rows = rows.iloc[order]
    verdicts = [model.verdict(f) for f in rows["factor"]]
    figure = go.Figure()
    for verdict in VERDICT_COLOURS:
        chosen = [i for i, v in enumerate(verdicts) if v == verdict]
        if not chosen:
            continue
        part = rows.iloc[chosen]
        figure.add_trace(go.Scatter(
            x=part["ratio"], y=part["contrast"], mode="markers", name=VERDICT_NAMES[verdict],
            marker={"color": VERDICT_COLOURS[verdict], "size": 10},
            error_x={"type": "data", "symmetric": False, "array": part["high"] - part["ratio"],
                     "arrayminus": part["ratio"] - part["low"], "color": VERDICT_COLOURS[verdict]},
            hovertext=[f"{c}: {ratio_text(r)} (95% CI {ratio_text(lo)}–{ratio_text(hi)}), {n} trials"
                       for c, r, lo, hi, n in zip(part["contrast"], part["ratio"], part["low"], part["high"],
                                                  part["trials"])], hoverinfo="text"))
    figure.add_vline(x=1, line={"color": "#444", "dash": "dot"})
    figure.update_xaxes(type="log", title="multiplies the seconds per epoch by (log scale; 1× = no effect)")
    # the strongest verdicts on top: a category axis draws its first category at the bottom
    figure.update_yaxes(type="category", automargin=True, categoryorder="array",
                        categoryarray=list(rows["contrast"])[::-1])
    figure.update_layout(title="What each hyperparameter does to the training time per epoch",
                         legend={"title": {"text": "verdict"}})
    return tidy(figure, height=max(320, 120 + 26 * len(rows)))
