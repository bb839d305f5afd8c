"""Figure 1: best validation accuracy against training time, one point per trial.

The question it answers: what does accuracy cost? The Pareto front shows the best
accuracy on offer at each training budget, a ring marks the knee of the full runs' front
(`reports.knee`), and the study's published results sit beside them as reference marks from
other hardware.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import PERCENT_TICKS, STATE_SYMBOLS, arch_colour, state_symbol, tidy
from reports.hyperparameters import config_text, format_value
from reports.knee import full_run_front, knee
from reports.pareto import ACCURACY, TIME, front_candidates, pareto_front
from reports.published import PUBLISHED_RESULTS, PublishedResult
from trainables.dataset import MAJORITY_ACCURACY


def accuracy_vs_time(experiment: Experiment) -> Panel:
    points = trial_points(experiment.trials)
    if points.empty:
        return no_figure("No trial has both a validation accuracy and a training time, so there is nothing to plot.")
    front = pareto_front(front_candidates(points))
    notes = []
    left_out = len(experiment.trials) - len(points)
    if left_out:
        notes.append(f"{left_out} trial(s) without a positive training time or a validation accuracy are not shown.")
    off_front = len(points) - len(front_candidates(points))
    if off_front:
        notes.append(f"{off_front} trial(s) that diverged or stayed at or below the majority class "
                     f"({MAJORITY_ACCURACY:.1%}) are drawn but cannot be on the front: they learnt nothing to trade.")
    if front.empty:
        return Panel(_draw(points, front, None), "No trial learnt more than the majority class, so there is no "
                                                 "accuracy–time front.", tuple(notes))
    return Panel(_draw(points, front, knee(full_run_front(points))), _takeaway(points, front), tuple(notes))


def trial_points(trials: pd.DataFrame) -> pd.DataFrame:
    """Trials that can be placed on the chart (accuracy known, time known and > 0, for the
    log axis), with their hover text."""
    points = trials.dropna(subset=[ACCURACY, TIME])
    points = points[points[TIME] > 0].copy()
    points["hover"] = [_hover(row) for _, row in points.iterrows()]
    return points


def _hover(row: pd.Series) -> str:
    baseline = f", baseline {row['baseline']}" if pd.notna(row.get("baseline")) else ""
    epochs = f"epoch {format_value(row.get('best_epoch'))} of {format_value(row.get('epochs'))} run"
    return (f"<b>trial {row['trial_id']}</b> (Optuna #{format_value(row.get('optuna_number'))})<br>"
            f"{row['state']}{baseline}<br>best val acc {row[ACCURACY]:.1%} ({epochs})<br>"
            f"training time {row[TIME]:,.1f} s<br>" + config_text(row, "<br>"))


def _draw(points: pd.DataFrame, front: pd.DataFrame, knee_row: pd.Series | None) -> go.Figure:
    figure = go.Figure()
    for arch, group in points.groupby(points["arch"].fillna("unknown arch"), sort=True):
        baseline = group["baseline"].notna()
        figure.add_trace(go.Scatter(
            x=group[TIME], y=group[ACCURACY], mode="markers", name=str(arch), legendgroup="arch",
            legendgrouptitle_text="architecture", hovertext=group["hover"], hoverinfo="text",
            marker={"color": arch_colour(arch), "size": 11, "opacity": 0.85,
                    "symbol": [state_symbol(s) for s in group["state"]],
                    "line": {"color": ["black" if b else "white" for b in baseline],
                             "width": [2.5 if b else 0.5 for b in baseline]}}))
    for state in [s for s in STATE_SYMBOLS if s in set(points["state"])]:
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=state, legendgroup="state",
                                    legendgrouptitle_text="trial state",
                                    marker={"color": "#666", "size": 10, "symbol": state_symbol(state)}))
    if points["baseline"].notna().any():
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="study's baseline config",
                                    legendgroup="state", marker={"color": "white", "size": 10,
                                                                 "line": {"color": "black", "width": 2.5}}))
    figure.add_trace(go.Scatter(x=front[TIME], y=front[ACCURACY], mode="lines", line_shape="hv",
                                name="Pareto front", legendgroup="front", legendgrouptitle_text="best trade-off",
                                line={"color": "black", "dash": "dot", "width": 1.5}, hoverinfo="skip"))
    if knee_row is not None:
        figure.add_trace(go.Scatter(
            x=[knee_row[TIME]], y=[knee_row[ACCURACY]], mode="markers", name="knee of the full runs",
            legendgroup="front", hovertext=[f"<b>knee of the full runs</b><br>{knee_row['hover']}"], hoverinfo="text",
            marker={"symbol": "circle-open", "size": 24, "color": "black", "line": {"width": 2.5}}))
    _draw_published(figure, PUBLISHED_RESULTS)
    low, high = points[TIME].min(), max(points[TIME].max(), *(r.train_time_s or 0 for r in PUBLISHED_RESULTS))
    figure.update_xaxes(type="log", title="training time (s, log scale)",
                        range=[math.log10(low) - 0.3, math.log10(high) + 0.5])
    figure.update_yaxes(title="best validation accuracy", tickformatstops=PERCENT_TICKS)
    figure.update_layout(title="Accuracy against training time (hover a point for its configuration)",
                         legend={"groupclick": "toggleitem"})
    return tidy(figure, height=560)


def _draw_published(figure: go.Figure, results: tuple[PublishedResult, ...]) -> None:
    timed = [r for r in results if r.train_time_s is not None]
    positions = ["bottom left", "top left", "bottom center"]  # arch2's two marks nearly coincide
    figure.add_trace(go.Scatter(
        x=[r.train_time_s for r in timed], y=[r.accuracy_high for r in timed], mode="markers+text",
        name="published, other hardware", legendgroup="study", legendgrouptitle_text="the study",
        text=[f"{r.label} {r.accuracy_high:.0%}, {r.train_time_s:,.0f} s" for r in timed],
        textposition=positions[:len(timed)], textfont={"size": 11, "color": "#444"},
        hovertext=[f"{r.label}: {r.accuracy_high:.0%} in {r.train_time_s:,.0f} s (published; other hardware)"
                   for r in timed], hoverinfo="text",
        marker={"symbol": "star", "size": 15, "color": [arch_colour(r.arch) for r in timed],
                "line": {"color": "black", "width": 1}}))
    for r in (r for r in results if r.train_time_s is None):
        figure.add_hrect(y0=r.accuracy_low, y1=r.accuracy_high, fillcolor=arch_colour(r.arch), opacity=0.15,
                         line_width=0, layer="below",
                         annotation_text=f"{r.label} {r.accuracy_low:.0%}–{r.accuracy_high:.0%} "
                                         "(time not published; other hardware)",
                         annotation_position="top left", annotation_font={"size": 11, "color": "#444"})


def _takeaway(points: pd.DataFrame, front: pd.DataFrame) -> str:
    fastest, best = front.iloc[0], front.iloc[-1]
    published = max((r for r in PUBLISHED_RESULTS if r.train_time_s), key=lambda r: r.accuracy_high)
    arch = f", {best['arch']}" if pd.notna(best["arch"]) else ""
    span = (f"from {fastest[ACCURACY]:.1%} in {fastest[TIME]:,.1f} s (trial {fastest['trial_id']}) "
            f"to {best[ACCURACY]:.1%} in {best[TIME]:,.1f} s (trial {best['trial_id']}{arch})"
            if len(front) > 1 else f"the single point {best[ACCURACY]:.1%} in {best[TIME]:,.1f} s "
                                   f"(trial {best['trial_id']}{arch})")
    return (f"{len(front)} of {len(points)} trials are on the Pareto front, {span}; the study's best published "
            f"result was {published.accuracy_high:.0%} in {published.train_time_s:,.0f} s on other hardware.")
