"""What every figure function returns: the figure and the sentence a reader should take away."""

from __future__ import annotations

from typing import NamedTuple

import plotly.graph_objects as go


class Panel(NamedTuple):
    """A figure (None when the data cannot support one), its takeaway, and caveats.

    The takeaway is computed from the data; when `figure` is None it says why there is
    no figure instead.
    """

    figure: go.Figure | None
    takeaway: str
    notes: tuple[str, ...] = ()


def no_figure(reason: str, *notes: str) -> Panel:
    return Panel(None, reason, tuple(notes))
