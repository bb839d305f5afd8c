"""Figure 1b: the accuracy–time trade-off behind figure 1 as a table of near-best full runs.

The question it answers: how much training time does the last point of accuracy cost? One
row each for the best full run, the fastest within 1, 2 and 5 points of it, and the knee of
the front (`reports.knee`), with the speed-up over the best and the accuracy given up.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy
from reports.evidence.rules import FASTER
from reports.knee import FULL_RUNS, full_runs, knee_sentence, near_best_table
from reports.pareto import ACCURACY, TIME

HEADER = ("", "trial", "best val acc", "training time (s)", "speed-up vs best", "points given up", "configuration")
KNEE_DEFINITION = ("The knee is the front point farthest above the straight line from the fastest to the most "
                   "accurate full run, with accuracy and log training time each scaled to [0, 1] over the front "
                   "(Kneedle's maximum distance to the chord); with no point above that line it is the most "
                   "accurate run.")


def trade_off_table(experiment: Experiment) -> Panel:
    table = near_best_table(experiment.trials)
    if table.empty:
        return no_figure(knee_sentence(table) + " Pruned and diverged trials trained for fewer epochs, so their "
                         "times are not compared.")
    notes = [KNEE_DEFINITION, "Only trials that ran to the end are compared: a pruned or diverged trial's time "
                              "covers fewer epochs. A trial may fill several rows.",
             f"Grey rows are under {FASTER:g}× faster than the best: not a saving worth its accuracy."]
    complete = experiment.trials[experiment.trials["state"].isin(FULL_RUNS)]
    untimed = len(complete) - len(full_runs(complete))
    if untimed:
        notes.append(f"{untimed} complete trial(s) without a validation accuracy or a positive training time "
                     "are left out.")
    return Panel(_draw(table), knee_sentence(table), tuple(notes))


def _draw(table: pd.DataFrame) -> go.Figure:
    fill = [["#e8f4e8" if label == "knee" else "#f1f1f1" if label != "best" and speedup < FASTER else "white"
             for label, speedup in zip(table["label"], table["speedup"])]] * len(HEADER)
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
