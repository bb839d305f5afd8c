"""What drives training time: each factor's multiplicative effect on seconds per epoch.

Drawn from `reports.evidence.time_model` (a log-linear fit of every trial's epochs after the
first, pruned and diverged ones included): one row per contrast, its effect and 95% interval on
a log axis, so "arch3 costs 14× arch1" and "halving the batch costs 1.6×" read off the same
scale, coloured by its factor's verdict (`reports.evidence.verdicts`), which the sentence says.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from reports.evidence import time_model
from reports.evidence.rules import CANNOT_TELL, DRIVER, MEANINGFUL_RATIO, NO_EVIDENCE, SMALL, ratio_text
from reports.evidence.sentences import question_sentence
from reports.evidence.verdicts import TIME, Verdicts, verdicts
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy

VERDICT_COLOURS = {DRIVER: "#c62828", SMALL: "#e08e00", NO_EVIDENCE: "#888888", CANNOT_TELL: "#bbbbbb"}
VERDICT_NAMES = {DRIVER: "drives time", SMALL: "real but small", NO_EVIDENCE: "no evidence of an effect",
                 CANNOT_TELL: "cannot tell"}


def time_drivers(experiment: Experiment) -> Panel:
    model, found = time_model(experiment), verdicts(experiment)
    notes = ("Each trial counts once: the median seconds of its epochs after the first. The first carries warm-up, "
             "a cost per trial rather than per epoch, so a trial that ran only its first epoch is not fitted. "
             "Trials that replay another's results (reused) add no measurement and are left out.",
             "Each factor is judged holding the others (in one model when the trials allow it, else holding the "
             "factors that explain the times and those that varied with it), by an F test with a permutation "
             "p-value, Holm-corrected across the factors. Intervals are 95% for all of a factor's contrasts at once; "
             f"an effect under {MEANINGFUL_RATIO:g}× is called small even when its test passes.")
    sentence = question_sentence(found, TIME)
    if model.effects.dropna(subset=["ratio"]).empty:
        return no_figure(sentence, *notes)
    return Panel(_draw(model.effects.dropna(subset=["ratio"]), found), sentence, notes)


def _draw(rows, found: Verdicts) -> go.Figure:
    kinds = {v.factor: v.kind for v in found.of(TIME)}
    rank = {kind: i for i, kind in enumerate(VERDICT_COLOURS)}
    order = sorted(range(len(rows)), key=lambda i: (rank[kinds.get(rows["factor"].iloc[i], CANNOT_TELL)],
                                                    -abs(math.log(rows["ratio"].iloc[i]))))
    rows = rows.iloc[order]
    row_kinds = [kinds.get(f, CANNOT_TELL) for f in rows["factor"]]
    figure = go.Figure()
    for kind in VERDICT_COLOURS:
        chosen = [i for i, k in enumerate(row_kinds) if k == kind]
        if not chosen:
            continue
        part = rows.iloc[chosen]
        figure.add_trace(go.Scatter(
            x=part["ratio"], y=part["contrast"], mode="markers", name=VERDICT_NAMES[kind],
            marker={"color": VERDICT_COLOURS[kind], "size": 10},
            error_x={"type": "data", "symmetric": False, "array": part["high"] - part["ratio"],
                     "arrayminus": part["ratio"] - part["low"], "color": VERDICT_COLOURS[kind]},
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
