"""Figure 4: activation and standardization, compared by accuracy and by training time.

Time is shown per epoch: ASHA stops weak trials early, so total times would mostly say
which trials were pruned rather than what each choice costs.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import PERCENT_TICKS, tidy
from reports.hyperparameters import format_value, varying
from reports.wording import plural
from reports.pareto import ACCURACY, TIME

FACTORS = {"activation": "activation", "standardize": "standardization"}
_COLOURS = {"activation": "#8c564b", "standardize": "#9467bd"}


def activation_and_standardization(experiment: Experiment) -> Panel:
    table = comparison_table(experiment.trials)
    compared = [f for f in FACTORS if table[f].dropna().nunique() > 1]
    notes = tuple(f"{FACTORS[f].capitalize()} did not vary ({_values(table[f])}), so it is not compared."
                  if table[f].notna().any() else f"{FACTORS[f].capitalize()} was not recorded."
                  for f in FACTORS if f not in compared)
    others = [name for name in varying(experiment.trials) if name not in FACTORS]
    if compared and others:
        notes += (f"Other hyperparameters varied too ({', '.join(others)}), so these differences mix their "
                  "effects with those of the choice compared.",)
    if not compared:
        return no_figure("Neither activation nor standardization varied in this search, so there is nothing "
                         "to compare.", *notes)
    return Panel(_draw(table, compared), " ".join(_sentence(table, f) for f in compared), notes)


def comparison_table(trials: pd.DataFrame) -> pd.DataFrame:
    """Per trial: activation, standardize, best val accuracy and training seconds per epoch."""
    table = trials[["trial_id", "state", *FACTORS, ACCURACY]].copy()
    epochs = pd.to_numeric(trials["epochs"], errors="coerce")
    table["time_per_epoch_s"] = (pd.to_numeric(trials[TIME], errors="coerce") / epochs).where(epochs > 0)
    return table


def _draw(table: pd.DataFrame, compared: list[str]) -> go.Figure:
    figure = make_subplots(rows=2, cols=len(compared), shared_yaxes=True, vertical_spacing=0.12,
                           horizontal_spacing=0.05, column_titles=[FACTORS[f] for f in compared])
    for col, factor in enumerate(compared, start=1):
        for row, metric in ((1, ACCURACY), (2, "time_per_epoch_s")):
            data = table.dropna(subset=[factor, metric])
            figure.add_trace(go.Box(
                x=data[factor].map(format_value), y=data[metric], boxpoints="all", jitter=0.4, pointpos=0,
                marker={"color": _COLOURS[factor], "size": 7, "opacity": 0.7}, line={"color": _COLOURS[factor]},
                fillcolor="rgba(0,0,0,0.04)", showlegend=False, name=FACTORS[factor],
                hovertext=[f"trial {t} ({s})" for t, s in zip(data["trial_id"], data["state"])]),
                row=row, col=col)
    figure.update_yaxes(title="best validation accuracy", tickformatstops=PERCENT_TICKS, row=1, col=1)
    figure.update_yaxes(title="training time per epoch (s)", row=2, col=1)
    figure.update_layout(title="Activation and standardization (every trial; one dot each)")
    return tidy(figure, height=680)


def _values(column: pd.Series) -> str:
    return ", ".join(format_value(v) for v in column.dropna().unique())


def _sentence(table: pd.DataFrame, factor: str) -> str:
    stats = table.groupby(factor).agg(accuracy=(ACCURACY, "median"), time=("time_per_epoch_s", "median"),
                                      n=("trial_id", "size")).dropna(subset=["accuracy"])
    if len(stats) < 2:
        return f"{FACTORS[factor].capitalize()}: too few measured trials to compare."
    best, worst = stats["accuracy"].idxmax(), stats["accuracy"].idxmin()
    b, w = stats.loc[best], stats.loc[worst]
    if b["accuracy"] == w["accuracy"]:
        accuracy = f"every value had the same median best val accuracy ({b['accuracy']:.1%})"
    else:
        accuracy = (f"{format_value(best)} beat {format_value(worst)} by {100 * (b['accuracy'] - w['accuracy']):.1f} "
                    f"points of median best val accuracy ({b['accuracy']:.1%} vs {w['accuracy']:.1%}; "
                    f"{plural(int(b['n']), 'trial')} vs {int(w['n'])})")
    timed = stats.dropna(subset=["time"])
    time = ""
    if len(timed) >= 2:
        fast, slow = timed["time"].idxmin(), timed["time"].idxmax()
        time = (f"; median time per epoch ran from {timed.loc[fast, 'time']:,.2f} s ({format_value(fast)}) to "
                f"{timed.loc[slow, 'time']:,.2f} s ({format_value(slow)})")
    return f"{FACTORS[factor].capitalize()}: {accuracy}{time}."
