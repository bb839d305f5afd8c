"""The anytime plot: each arm's best validation accuracy against simulated minutes, its median
over seeds and the 95% band, with the table's best (and 1 point under it) drawn across."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative


def anytime_figure(results: pd.DataFrame, world) -> go.Figure:
    figure = go.Figure()
    for (arm, group), colour in zip(results.groupby("arm", sort=False), qualitative.Plotly):
        curves = np.array(group["anytime"].tolist(), dtype=float)  # seeds × minutes
        minutes = np.arange(1, curves.shape[1] + 1)
        low, median, high = (np.nanpercentile(curves, q, axis=0) for q in (2.5, 50, 97.5))
        figure.add_trace(go.Scatter(x=np.concatenate([minutes, minutes[::-1]]), y=np.concatenate([high, low[::-1]]),
                                    fill="toself", fillcolor=colour, opacity=0.15, line={"width": 0},
                                    hoverinfo="skip", showlegend=False, legendgroup=arm))
        figure.add_trace(go.Scatter(x=minutes, y=median, name=arm, line={"color": colour}, legendgroup=arm))
    figure.add_hline(y=world.best, line_dash="dot", annotation_text=f"table's best {world.best:.3f}")
    figure.add_hline(y=world.target, line_dash="dash", annotation_text="within 1 point",
                     annotation_position="bottom right")
    seeds = results["seed"].nunique()
    figure.update_layout(title=f"Best validation accuracy so far, median and 95% band over {seeds} seeds "
                               f"(simulated, {world.configurations} recorded configurations, two slots)",
                         xaxis_title="simulated minutes", yaxis_title="best validation accuracy",
                         width=1100, height=600, template="plotly_white")
    return figure
