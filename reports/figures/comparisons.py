"""Figure 4: activation and standardization, compared by accuracy and by training time.

Both come from the models of all the evidence (`reports.evidence`), not from medians of the
trials that happened to use each value, which mix every other hyperparameter's effect: the
accuracy row is each value's predicted accuracy for a full run (partial dependence of the
surrogate, with a 95% bootstrap interval), the time row each value's multiple of the
reference's seconds per epoch (the log-linear time model). Sentences follow
`reports.evidence.rules`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reports.evidence import accuracy_model, time_model
from reports.evidence.accuracy_model import AccuracyModel
from reports.evidence.rules import decided_by, interval_text, name_of, points, prefix_of, ratio_text
from reports.evidence.time_model import TimeModel
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import PERCENT_TICKS, tidy
from reports.hyperparameters import format_value
from reports.wording import plural

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
    accuracy, time = accuracy_model(experiment), time_model(experiment)
    takeaway = " ".join(factor_sentence(accuracy, time, f) for f in compared)
    if accuracy.levels.empty or not set(compared) & set(accuracy.levels["factor"]):
        return no_figure(takeaway, *notes)
    return Panel(_draw(accuracy, time, compared), takeaway, notes)


def factor_sentence(accuracy: AccuracyModel, time: TimeModel, factor: str) -> str:
    """One factor's accuracy and time verdicts in a sentence (see `reports.evidence.rules`)."""
    name = name_of(factor).capitalize()
    row = accuracy.effect(factor)
    if row is None or pd.isna(row["difference"]):
        acc = f"cannot tell its effect on accuracy with {plural(accuracy.trials, 'measured trial')}"
    elif accuracy.decided(factor):
        acc = (f"{row['best']} beat {row['worst']} by {points(row['difference'])} of predicted accuracy "
               f"({interval_text(row['low'], row['high'])}; {row['trials_best']} vs {row['trials_worst']} trials)")
    else:
        acc = (f"not distinguishable with {plural(accuracy.trials, 'trial')} (best {row['best']}, worst "
               f"{row['worst']}: {points(row['difference'])}, {interval_text(row['low'], row['high'])}); "
               f"{decided_by(factor)} would decide")
    return f"{name}: {acc}; time per epoch: {_time_words(time, factor)}."


def _time_words(time: TimeModel, factor: str) -> str:
    verdict = time.verdict(factor)
    if verdict == "unknown":
        return "cannot tell"
    if verdict == "none":
        return "no evidence of an effect (every interval holds 1×)"
    rows = time.effects[(time.effects["factor"] == factor)].dropna(subset=["ratio"])
    rows = rows[(rows["low"] > 1) | (rows["high"] < 1)]
    details = ", ".join(f"{r['contrast']} {ratio_text(r['ratio'])} ({interval_text(r['low'], r['high'], True)})"
                        for _, r in rows.iterrows())
    return ("costs differ: " if verdict == "driver" else "small differences: ") + details


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
