"""What drives validation accuracy: for each factor, its best value against its worst.

Drawn from `reports.evidence.accuracy_model` (a linear model of every trial's best accuracy at
one epoch, each factor judged holding the others): one row per factor, the lead of its best
level over its worst in points with its interval (95% over all of the factor's pairs at once),
coloured by the factor's verdict (`reports.evidence.verdicts`), which the sentence says; hover
a row for every level's prediction.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from reports.evidence import accuracy_model
from reports.evidence.accuracy_model import AccuracyModel, diverged_sentence
from reports.evidence.rules import CANNOT_TELL, DRIVER, MIN_TRIALS_PER_SIDE, NO_EVIDENCE, SMALL, name_of
from reports.evidence.sentences import question_sentence
from reports.evidence.verdicts import ACCURACY, Verdicts, verdicts
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy

KINDS = {DRIVER: ("#c62828", "changes accuracy"), SMALL: ("#e08e00", "real but small"),
         NO_EVIDENCE: ("#888888", "no evidence of an effect"), CANNOT_TELL: ("#bbbbbb", "cannot tell")}


def accuracy_drivers(experiment: Experiment) -> Panel:
    model, found = accuracy_model(experiment), verdicts(experiment)
    notes = ("Every trial is compared at the same epoch, the latest at least three quarters of them reached, by its "
             "best validation accuracy so far: a trial's own best over however many epochs early stopping let it "
             "have would favour the trials it let run.",
             "Each factor is judged holding the others, by an F test with a permutation p-value, Holm-corrected "
             f"across the factors; a level needs {MIN_TRIALS_PER_SIDE} trials to be named best or worst. The learning "
             "rate is judged within each optimizer's range, and the optimizer by what it adds to one learning-rate "
             "curve across the ranges.")
    sentence = " ".join(part for part in (question_sentence(found, ACCURACY), diverged_sentence(model.diverged))
                        if part)
    if model.effects.dropna(subset=["difference"]).empty:
        return no_figure(sentence, *notes)
    return Panel(_draw(model, found), sentence, notes)


def _draw(model: AccuracyModel, found: Verdicts) -> go.Figure:
    rows = model.effects.dropna(subset=["difference"])
    labels = [_label(r) for _, r in rows.iterrows()]
    kinds = [(found.get(r["factor"], ACCURACY).kind if found.get(r["factor"], ACCURACY) else CANNOT_TELL)
             for _, r in rows.iterrows()]
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


def _label(row: pd.Series) -> str:
    within = f" (with {row['within']})" if pd.notna(row["within"]) else ""
    return f"{name_of(row['factor'])}{within}: {row['best']} vs {row['worst']}"


def _hover(model: AccuracyModel, row: pd.Series) -> str:
    levels = model.levels[model.levels["factor"] == row["factor"]]
    lines = [f"{f'{within}: ' if pd.notna(within) else ''}{level}: {prediction:.1%} ({low:.1%}–{high:.1%}), "
             f"{trials} trials"
             for within, level, prediction, low, high, trials in
             levels[["within", "level", "prediction", "low", "high", "trials"]].itertuples(index=False)]
    return f"<b>{name_of(row['factor'])}</b><br>" + "<br>".join(lines)
