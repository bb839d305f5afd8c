"""Shared look: one colour per architecture, one marker per trial state, a quiet template."""

from __future__ import annotations

import zlib

import plotly.express as px
import plotly.graph_objects as go

ARCH_COLOURS = {"arch1": "#1f77b4", "arch2": "#d62728", "arch3": "#2ca02c"}
STATE_SYMBOLS = {"complete": "circle", "pruned": "triangle-down", "diverged": "x", "failed": "square-open"}
_SPARE_COLOURS = px.colors.qualitative.Dark2


def arch_colour(arch: object) -> str:
    if arch in ARCH_COLOURS:
        return ARCH_COLOURS[arch]
    return _SPARE_COLOURS[zlib.crc32(str(arch).encode()) % len(_SPARE_COLOURS)]


def state_symbol(state: object) -> str:
    return STATE_SYMBOLS.get(str(state), "diamond")


def sequential_colours(n: int) -> list[str]:
    """`n` colours from light-on-white-but-visible to dark, for ordered groups (lr, batch size)."""
    if n == 1:
        return ["#1f4e9c"]
    return px.colors.sample_colorscale("Viridis", [0.9 * i / (n - 1) for i in range(n)])


PERCENT_TICKS = [{"dtickrange": [None, 0.0099], "value": ".1%"}, {"dtickrange": [0.0099, None], "value": ".0%"}]
"""Accuracy ticks as percentages, with a decimal only when ticks are closer than a point."""


def tidy(figure: go.Figure, height: int = 480) -> go.Figure:
    figure.update_layout(template="plotly_white", height=height, margin={"l": 70, "r": 30, "t": 60, "b": 60},
                         font={"size": 13}, hoverlabel={"align": "left"})
    return figure
