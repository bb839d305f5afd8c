"""Figure 1b: the accuracy–time trade-off behind figure 1 as a table of near-best full runs.

The questions it answers: how much training time does the last point of accuracy cost, and
what is the best model that trains in at most T seconds? One row each for the best full run,
the fastest within 1, 2 and 5 points of it, the knee of the front (`reports.knee`), and the
best full run within each time limit — the one the search was given (`--max-train-time-s`,
from summary.json), else the quartiles of its full runs' times — with the speed-up over the
best and the accuracy given up.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from experiment.schema import MAX_TRAIN_TIME, SEARCH
from reports.evidence.rules import FASTER
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy
from reports.knee import (FULL_RUNS, LIMIT_ROW, full_runs, knee_sentence, limits_sentence, near_best_table,
                          time_limits)
from reports.pareto import ACCURACY, TIME

HEADER = ("", "trial", "best val acc", "training time (s)", "speed-up vs best", "points given up", "configuration")
LIMITS_GIVEN = ("Blue rows: the best full run that trains in at most the --max-train-time-s this search was "
                "given, the question it was asked.")
LIMITS_QUARTILES = ("Blue rows: the best full run that trains in at most a quarter, half and three quarters of the "
                    "full runs' training times (their quartiles) — the best model under a training-time limit, read "
                    "off this search; `--max-train-time-s T` asks a search for it directly.")
KNEE_DEFINITION = ("The knee is the front point farthest above the straight line from the fastest to the most "
                   "accurate full run, with accuracy and log training time each scaled to [0, 1] over the front "
                   "(Kneedle's maximum distance to the chord); with no point above that line it is the most "
                   "accurate run.")


def trade_off_table(experiment: Experiment) -> Panel:
    user_limit = given_time_limit(experiment.summary)
    limits = time_limits(experiment.trials, user_limit)
    table = near_best_table(experiment.trials, limits=limits)
    if table.empty:
        return no_figure(knee_sentence(table) + " Pruned and diverged trials trained for fewer epochs, so their "
                         "times are not compared.")
    notes = [KNEE_DEFINITION, "Only trials that ran to the end are compared: a pruned or diverged trial's time "
                              "covers fewer epochs. A trial may fill several rows.",
             f"Grey rows are under {FASTER:g}× faster than the best: not a saving worth its accuracy.",
             LIMITS_GIVEN if user_limit is not None else LIMITS_QUARTILES]
    complete = experiment.trials[experiment.trials["state"].isin(FULL_RUNS)]
    untimed = len(complete) - len(full_runs(complete))
    if untimed:
        notes.append(f"{untimed} complete trial(s) without a validation accuracy or a positive training time "
                     "are left out.")
    return Panel(_draw(table), f"{knee_sentence(table)} {limits_sentence(table, limits, user_limit is not None)}",
                 tuple(notes))


def given_time_limit(summary: dict | None) -> float | None:
    """The --max-train-time-s the search was given (summary.json), or None."""
    limit = ((summary or {}).get(SEARCH) or {}).get(MAX_TRAIN_TIME)
    return float(limit) if isinstance(limit, (int, float)) and limit > 0 else None


def _draw(table: pd.DataFrame) -> go.Figure:
    fill = [[_fill(label, speedup) for label, speedup in zip(table["label"], table["speedup"])]] * len(HEADER)
    cells = [
        list(table["label"]), [str(t) for t in table["trial_id"]], [f"{a:.1%}" for a in table[ACCURACY]],
        [f"{t:,.1f}" for t in table[TIME]], [f"{s:.1f}×" for s in table["speedup"]],
        [f"{p:.1f}" for p in table["points_given_up"]], list(table["config"]),
    ]
    figure = go.Figure(go.Table(
        header={"values": [f"<b>{c}</b>" for c in HEADER], "fill_color": "#dde4ee", "align": "left",
                "font": {"size": 13}},
        cells={"values": cells, "fill_color": fill, "align": "left", "font": {"size": 13}},
        columnwidth=[120, 50, 60, 75, 75, 60, 520]))
    tidy(figure, height=80 + 62 * len(table))  # a full configuration wraps to two or three lines
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 0})  # room for the mode bar
    return figure


def _fill(label: str, speedup: float) -> str:
    if label == "knee":
        return "#e8f4e8"
    if label.startswith(LIMIT_ROW):
        return "#e6eef9"
    return "#f1f1f1" if label != "best" and speedup < FASTER else "white"
