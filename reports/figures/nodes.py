"""Where the trials ran: the Ray nodes, the trials each held, and the trials that moved.

A trial whose node or worker is lost goes back to its last checkpoint and resumes on the next
node that can hold it; `trials.parquet` keeps every node it reported from, in order (`nodes`),
and how often it lost one (`node_losses`). The table shows one row per node; the sentence says
which trials moved, and whether any was lost for good.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from experiment.schema import FAILED
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy

COLUMNS = ("node", "trials that ran there", "of them, moved on after losing it")


def nodes_table(experiment: Experiment) -> Panel:
    trials = _with_nodes(experiment.trials)
    if trials.empty:
        return no_figure("No trial recorded the node it ran on (an experiment written before `nodes` was kept, or "
                         "no trial reported an epoch).")
    rows = node_rows(trials)
    if len(rows) == 1 and not trials["node_losses"].any():
        return no_figure(f"Every trial ran on one node, {rows['node'].iloc[0]}, and none lost it.")
    return Panel(_draw(rows), _takeaway(trials, rows))


def node_rows(trials: pd.DataFrame) -> pd.DataFrame:
    """One row per node, in the order the trials first reached them: the trials that ran there, and
    those that left it for another node (it was lost under them)."""
    order, held, left = [], {}, {}
    for trial_id, nodes in zip(trials["trial_id"], trials["nodes"]):
        for i, node in enumerate(nodes):
            if node not in held:
                order.append(node)
                held[node], left[node] = [], []
            held[node].append(trial_id)
            if i < len(nodes) - 1:
                left[node].append(trial_id)
    return pd.DataFrame({"node": order, "trials": [held[n] for n in order], "moved": [left[n] for n in order]})


def _with_nodes(trials: pd.DataFrame) -> pd.DataFrame:
    trials = trials[trials["nodes"].map(lambda nodes: nodes is not None and len(nodes) > 0)].copy()
    trials["nodes"] = trials["nodes"].map(list)
    trials["node_losses"] = trials["node_losses"].fillna(0).astype(int)
    return trials


def _draw(rows: pd.DataFrame) -> go.Figure:
    cells = [list(rows["node"]), [_ids(t) for t in rows["trials"]], [_ids(t) or "–" for t in rows["moved"]]]
    figure = go.Figure(go.Table(
        header={"values": [f"<b>{c}</b>" for c in COLUMNS], "fill_color": "#dde4ee", "align": "left",
                "font": {"size": 13}},
        cells={"values": cells, "align": "left", "height": 28, "font": {"size": 13}},
        columnwidth=[150, 250, 200]))
    tidy(figure, height=min(40 + 29 * (len(rows) + 1), 500))
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 0})
    return figure


def _ids(trial_ids: list[str]) -> str:
    return f"{len(trial_ids)}: " + ", ".join(trial_ids) if trial_ids else ""


def _takeaway(trials: pd.DataFrame, rows: pd.DataFrame) -> str:
    text = f"{len(trials)} trials ran on {len(rows)} nodes."
    lost = trials[trials["node_losses"] > 0]
    if lost.empty:
        return text + " No trial lost its node."
    failed = lost[lost["state"] == FAILED]
    moves = "; ".join(f"{t.trial_id}: {' → '.join(t.nodes)}" for t in lost.itertuples() if len(t.nodes) > 1)
    text += (f" {len(lost)} trial{'s' if len(lost) > 1 else ''} lost {'their' if len(lost) > 1 else 'its'} node or "
             f"worker ({lost['node_losses'].sum()} losses in all) and went back to the last checkpoint each time; "
             f"{len(lost) - len(failed)} then finished")
    text += f", {len(failed)} failed (see fail_reason)." if len(failed) else ", none was lost for good."
    return text + (f" Moves: {moves}." if moves else "")
