"""Figure 7: what ASHA saved, in epochs and in training time.

The full-run time of each trial is estimated from its own seconds per epoch, so a
pruned slow configuration counts what it would really have cost.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiment.schema import NO_EARLY_STOPPING, SCHEDULER, SEARCH
from reports.experiment import STATES, Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy
from reports.pareto import AshaSavings, asha_savings

_STATE_COLOURS = {"complete": "#4c78a8", "pruned": "#f58518", "diverged": "#e45756", "failed": "#9d755d"}


def asha_savings_chart(experiment: Experiment) -> Panel:
    trials = experiment.trials
    total = asha_savings(trials)
    if total.epochs_full == 0:
        return no_figure("No trial records its full-run length (max_epochs), so savings cannot be computed.")
    by_state = {state: asha_savings(trials[trials["state"] == state]) for state in _states(trials)}
    notes = []
    scheduler = ((experiment.summary or {}).get(SEARCH) or {}).get(SCHEDULER)
    if scheduler == NO_EARLY_STOPPING:
        notes.append("This search ran without early stopping, so any saving comes from trials that diverged "
                     "or failed.")
    if total.untimed_trials:
        notes.append(f"{total.untimed_trials} trial(s) without a finished epoch or a time are left out of the "
                     "time bars.")
    return Panel(_draw(by_state), _takeaway(total, by_state), tuple(notes))


def _states(trials: pd.DataFrame) -> list[str]:
    present = list(trials["state"].dropna().unique())
    return [s for s in STATES if s in present] + sorted(s for s in present if s not in STATES)


def _draw(by_state: dict[str, AshaSavings]) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, subplot_titles=("epochs", "training time (s)"), horizontal_spacing=0.12)
    bars = ["trained", "full run of every trial"]
    for state, savings in by_state.items():
        colour = _STATE_COLOURS.get(state, "#888")
        figure.add_trace(go.Bar(x=bars, y=[savings.epochs_trained, savings.epochs_full], name=state,
                                legendgroup=state, marker_color=colour,
                                hovertemplate=f"{state}: %{{y:,}} epochs<extra></extra>"), row=1, col=1)
        figure.add_trace(go.Bar(x=bars, y=[savings.time_trained_s, savings.time_full_s], name=state,
                                legendgroup=state, showlegend=False, marker_color=colour,
                                hovertemplate=f"{state}: %{{y:,.1f}} s<extra></extra>"), row=1, col=2)
    figure.update_layout(barmode="stack", title="Training done against a full run of every trial",
                         legend={"title": {"text": "trial state"}})
    return tidy(figure, height=440)


def _takeaway(total: AshaSavings, by_state: dict[str, AshaSavings]) -> str:
    epochs = (f"The search trained {total.epochs_trained:,} of the {total.epochs_full:,} epochs a full run of every "
              f"trial would take ({total.epochs_saved_fraction:.0%} saved)")
    if total.time_full_s > 0:
        time = (f" and {total.time_trained_s:,.1f} of an estimated {total.time_full_s:,.1f} training seconds "
                f"({total.time_saved_fraction:.0%} saved")
        pruned = by_state.get("pruned")
        share = (f", {(pruned.time_full_s - pruned.time_trained_s) / (total.time_full_s - total.time_trained_s):.0%}"
                 " of it by pruning" if pruned and total.time_full_s > total.time_trained_s else "")
        return epochs + time + share + ")."
    return epochs + "."
