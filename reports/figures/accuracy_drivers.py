"""What drives validation accuracy: for each factor, its best value against its worst.

Drawn from `reports.evidence.accuracy_model` (a forest surrogate on every reported epoch of
every trial, pruned ones included, predicting a full run): one row per factor, the lead of its
best level over its worst in points with its interval (95% over all of the factor's pairs at
once). Red rows pass both of the report's tests (the factor predicts held-out trials, and the
interval excludes zero with 3 trials a side); hover a row for every level's prediction.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from reports.evidence import accuracy_model
from reports.evidence.accuracy_model import AccuracyModel
from reports.evidence.rules import distinguishable, name_of
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy

KINDS = {"decided": ("#c62828", "best beat worst"),
         "suggestive": ("#e08e00", "no evidence: interval excludes 0, held-out test does not"),
         "helps": ("#f0b400", "predicts accuracy, values not distinguishable"),
         "none": ("#888888", "no evidence of an effect")}


def accuracy_drivers(experiment: Experiment) -> Panel:
    model = accuracy_model(experiment)
    notes = ("Every trial is compared at the same point, a full run, as the surrogate predicts it from all the "
             "epochs it saw; a trial's own best would favour the trials early stopping let run.",
             "A level needs 3 trials to be named best or worst; a factor 'predicts accuracy' when dropping it "
             "makes the surrogate's errors on held-out trials larger (95% interval above zero).")
    if model.effects.empty:
        return no_figure(model.sentence(), *notes)
    return Panel(_draw(model), model.sentence(), notes)


def _kind(model: AccuracyModel, row: pd.Series) -> str:
    if model.decided(row["factor"]):
        return "decided"
    if row["matters"]:
        return "helps"
    return "suggestive" if distinguishable(row["low"], row["high"], row["trials_best"], row["trials_worst"]) else "none"


def _draw(model: AccuracyModel) -> go.Figure:
    rows = model.effects.dropna(subset=["difference"])
    labels = [f"{name_of(r['factor'])}: {r['best']} vs {r['worst']}" for _, r in rows.iterrows()]
    kinds = [_kind(model, r) for _, r in rows.iterrows()]
    figure = go.Figure()
    for kind, (colour, name) in KINDS.items():
        chosen = [i for i, k in enumerate(kinds) if k == kind]
        if not chosen:
            continue
        part = rows.iloc[chosen]
        figure.add_trace(go.Scatter(
            x=100 * part["difference"], y=[labels[i] for i in chosen], mode="markers", name=name,
            marker={"color": colour, "size": 10},
            error_x={"type": "data", "symmetric": False, "array": 100 * (part["high"] - part["difference"]),
                     "arrayminus": 100 * (part["difference"] - part["low"]), "color": colour},
            hovertext=[_hover(model, r) for _, r in part.iterrows()], hoverinfo="text"))
    figure.add_vline(x=0, line={"color": "#444", "dash": "dot"})
    figure.update_xaxes(title=f"points of validation accuracy, best value minus worst (predicted at epoch "
                              f"{model.epoch})")
    # largest difference on top: a category axis draws its first category at the bottom
    figure.update_yaxes(type="category", automargin=True, categoryorder="array", categoryarray=labels[::-1])
    figure.update_layout(title="What each hyperparameter does to accuracy", legend={"title": {"text": "verdict"}})
    return tidy(figure, height=max(320, 120 + 30 * len(rows)))


def _hover(model: AccuracyModel, row: pd.Series) -> str:
    levels = model.levels[model.levels["factor"] == row["factor"]]
    lines = [f"{level}: {prediction:.1%} ({low:.1%}–{high:.1%}), {trials} trials"
             for level, prediction, low, high, trials in levels[["level", "prediction", "low", "high", "trials"]]
             .itertuples(index=False)]
    return f"<b>{name_of(row['factor'])}</b><br>" + "<br>".join(lines)
