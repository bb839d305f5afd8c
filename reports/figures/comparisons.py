"""Figure 4: activation and standardization, compared by accuracy and by training time.

Both come from the models of all the evidence (`reports.evidence`), not from medians of the
trials that happened to use each value, which mix every other hyperparameter's effect: the
accuracy row is each value's predicted accuracy at the epoch trials are compared at (partial
dependence of the accuracy model, with a 95% interval), the time row each value's multiple of
the reference's seconds per epoch (the log-linear time model). The words are the factor's
verdicts (`reports.evidence.verdicts`), the same the other sections and the header say.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reports.evidence import accuracy_model, time_model
from reports.evidence.accuracy_model import AccuracyModel
from reports.evidence.rules import name_of, prefix_of, ratio_text
from reports.evidence.sentences import factor_words
from reports.evidence.time_model import TimeModel
from reports.evidence.verdicts import ACCURACY, TIME, Verdicts, verdicts
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import PERCENT_TICKS, tidy
from reports.hyperparameters import format_value

FACTORS = ("activation", "standardize")
_COLOURS = {"activation": "#8c564b", "standardize": "#9467bd"}


def activation_and_standardization(experiment: Experiment) -> Panel:
    trials = experiment.trials
    compared = [f for f in FACTORS if trials[f].dropna().nunique() > 1]
    notes = tuple(f"{name_of(f).capitalize()} did not vary ({_values(trials[f])}), so it is not compared."
                  if trials[f].notna().any() else f"{name_of(f).capitalize()} was not recorded."
                  for f in FACTORS if f not in compared)
    if not compared:
        return no_figure("Neither activation nor standardization varied in this search, so there is nothing "
                         "to compare.", *notes)
    accuracy, time, found = accuracy_model(experiment), time_model(experiment), verdicts(experiment)
    takeaway = " ".join(factor_sentence(found, f) for f in compared)
    if accuracy.levels.empty or not set(compared) & set(accuracy.levels["factor"]):
        return no_figure(takeaway, *notes)
    return Panel(_draw(accuracy, time, compared), takeaway, notes)


def factor_sentence(found: Verdicts, factor: str) -> str:
    """One factor's accuracy and time verdicts in a sentence."""
    accuracy = factor_words(found.get(factor, ACCURACY), found.trials.get(ACCURACY, 0))
    time = factor_words(found.get(factor, TIME), found.trials.get(TIME, 0))
    return f"{name_of(factor).capitalize()}: {accuracy}; time per epoch: {time}."


def _draw(accuracy: AccuracyModel, time: TimeModel, compared: list[str]) -> go.Figure:
    figure = make_subplots(rows=2, cols=len(compared), vertical_spacing=0.14, horizontal_spacing=0.08,
                           column_titles=[name_of(f) for f in compared])
    for col, factor in enumerate(compared, start=1):
        levels = accuracy.levels[accuracy.levels["factor"] == factor]
        figure.add_trace(go.Scatter(
            x=levels["level"], y=levels["prediction"], mode="markers", showlegend=False,
            marker={"color": _COLOURS[factor], "size": 11},
            error_y={"type": "data", "symmetric": False, "array": levels["high"] - levels["prediction"],
                     "arrayminus": levels["prediction"] - levels["low"], "color": _COLOURS[factor]},
            hovertext=[f"{lv}: {p:.1%} ({lo:.1%}–{hi:.1%}), {n} trials" for lv, p, lo, hi, n in
                       levels[["level", "prediction", "low", "high", "trials"]].itertuples(index=False)],
            hoverinfo="text"), row=1, col=col)
        rows = time.effects[time.effects["factor"] == factor].dropna(subset=["ratio"])
        labels = [c.removeprefix(f"{prefix_of(factor)} ") for c in rows["contrast"]]
        figure.add_trace(go.Scatter(
            x=labels, y=rows["ratio"], mode="markers", showlegend=False,
            marker={"color": _COLOURS[factor], "size": 11, "symbol": "diamond"},
            error_y={"type": "data", "symmetric": False, "array": rows["high"] - rows["ratio"],
                     "arrayminus": rows["ratio"] - rows["low"], "color": _COLOURS[factor]},
            hovertext=[f"{c}: {ratio_text(r)} ({ratio_text(lo)}–{ratio_text(hi)})" for c, r, lo, hi in
                       rows[["contrast", "ratio", "low", "high"]].itertuples(index=False)], hoverinfo="text"),
            row=2, col=col)
        figure.add_hline(y=1, line={"color": "#444", "dash": "dot"}, row=2, col=col)
    figure.update_yaxes(tickformatstops=PERCENT_TICKS, row=1)
    figure.update_yaxes(title=f"predicted val acc, epoch {accuracy.epoch}", row=1, col=1)
    figure.update_yaxes(type="log", row=2)
    figure.update_yaxes(title="× reference's s / epoch", row=2, col=1)
    figure.update_layout(title="Activation and standardization, every other hyperparameter accounted for")
    return tidy(figure, height=680)


def _values(column: pd.Series) -> str:
    return ", ".join(format_value(v) for v in column.dropna().unique())
