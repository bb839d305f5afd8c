"""Controlled replays of the study, beside the study's own numbers.

A search that varied one hyperparameter (or two, fully crossed) and held everything else is a
controlled experiment: its trials compare directly. For one factor this section tabulates
each value's accuracy beside what the study published and checks the study's finding
(`reports.published.PUBLISHED_REPLAYS`); for a learning-rate grid crossed with a second factor
(the study's figures 1.2–1.3: batch size; or the input's scale) it draws the training loss per
epoch for each learning rate at each value of the other factor, and says where the best
learning rate lies at each. One run per value: a gap of a point or two may be seed noise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reports.evidence.rules import name_of, value_text
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import PERCENT_TICKS, sequential_colours, tidy
from reports.hyperparameters import format_value, varying
from reports.published import PUBLISHED_REPLAYS, STUDY_BEST_LR, STUDY_STALLED_LRS, PublishedReplay
from spaces.study import CONTROLLED
from trainables.dataset import CLASS_FREQUENCY_LOSS, MAJORITY_ACCURACY

WITHIN = 0.05  # points of accuracy within which a replay "reproduces" a published figure
STALLED = CLASS_FREQUENCY_LOSS - 0.02  # a final training loss within this of the prior: nothing learnt
LOSS_CAP = 2 * CLASS_FREQUENCY_LOSS  # the loss axis stops here; a run that blew up is drawn off the top


def controlled_factors(trials: pd.DataFrame) -> list[str] | None:
    """The one or two hyperparameters a controlled experiment varied (every combination of
    their values tried, everything else held), else None."""
    varied = varying(trials)
    if not 1 <= len(varied) <= 2:
        return None
    combinations = trials[varied].drop_duplicates()
    return varied if len(combinations) == math.prod(trials[v].nunique() for v in varied) else None


def replay_table(trials: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """Per trial: its values, state, last and best validation accuracy, last training loss and
    median seconds per epoch."""
    last = epochs.sort_values("epoch").groupby("trial_id").agg(
        final_train_loss=("train_loss", "last"), seconds_per_epoch=("epoch_time_s", "median"))
    table = trials.merge(last, left_on="trial_id", right_index=True, how="left")
    return table


def replay(experiment: Experiment) -> Panel:
    factors = controlled_factors(experiment.trials)
    if factors is None:
        return no_figure("This search was not a controlled replay (one hyperparameter varied, or two fully "
                         "crossed, everything else held), so its trials do not compare directly; the sections "
                         "above estimate each effect from all of them. The study's sections replay with "
                         + ", ".join(f"`--space {space.name}`" if i == 0 else f"`{space.name}`"
                                     for i, space in enumerate(CONTROLLED)) + ".")
    table = replay_table(experiment.trials, experiment.epochs)
    if len(factors) == 1:
        return _one_factor(table, factors[0])
    lr_first = sorted(factors, key=lambda f: f != "lr")
    if lr_first[0] != "lr":
        return no_figure(f"A controlled grid of {name_of(factors[0])} × {name_of(factors[1])}; the study's grids "
                         "cross the learning rate with one other factor, so there is nothing of it to compare.")
    return _lr_grid(table, experiment.epochs, lr_first[1])


def _one_factor(table: pd.DataFrame, factor: str) -> Panel:
    published = PUBLISHED_REPLAYS.get(factor)
    rows = table.sort_values(factor, key=lambda s: s.map(_order_key))
    notes = ["One run per value (seed 0): a gap of a point or two may be seed noise."]
    if published and published.approximate:
        notes.append(f"The study's figure for {', '.join(map(str, published.approximate))} is read from its "
                     f"words ({published.finding}), not printed by it.")
    diverged = rows[rows["state"] == "diverged"]
    if len(diverged):
        notes.append(f"Diverged (non-finite loss; accuracy shown is of the broken weights): "
                     f"{', '.join(format_value(v) for v in diverged[factor])}.")
    return Panel(_table_figure(rows, factor, published), _one_factor_takeaway(rows, factor, published), tuple(notes))


def _table_figure(rows: pd.DataFrame, factor: str, published: PublishedReplay | None) -> go.Figure:
    study = [published.accuracy.get(_key(v)) if published else None for v in rows[factor]]
    header = [name_of(factor), "state", "val acc, last epoch", "best val acc (epoch)", "last training loss",
              "s / epoch", "the study", "gap (points)"]
    cells = [
        [format_value(v) for v in rows[factor]], list(rows["state"]), [_percent(a) for a in rows["last_val_acc"]],
        [f"{_percent(a)} ({format_value(e)})" for a, e in zip(rows["best_val_acc"], rows["best_epoch"])],
        [f"{v:.3f}" if pd.notna(v) else "–" for v in rows["final_train_loss"]],
        [f"{v:,.1f}" if pd.notna(v) else "–" for v in rows["seconds_per_epoch"]],
        [_percent(s) if s is not None else "not published" for s in study],
        [f"{100 * (a - s):+.1f}" if s is not None and pd.notna(a) else "–" for a, s in zip(rows["last_val_acc"],
                                                                                          study)],
    ]
    fill = [["#fde8e8" if s is not None and pd.notna(a) and abs(a - s) > WITHIN else "white"
             for a, s in zip(rows["last_val_acc"], study)]] * len(header)
    figure = go.Figure(go.Table(
        header={"values": [f"<b>{h}</b>" for h in header], "fill_color": "#dde4ee", "align": "left"},
        cells={"values": cells, "fill_color": fill, "align": "left", "height": 26}))
    tidy(figure, height=min(80 + 28 * (len(rows) + 1), 600))
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 0})
    return figure


def _one_factor_takeaway(rows: pd.DataFrame, factor: str, published: PublishedReplay | None) -> str:
    measured = rows.dropna(subset=["last_val_acc"])
    best = measured.loc[measured["last_val_acc"].idxmax()] if len(measured) else None
    text = (f"Controlled replay of {name_of(factor)}: {format_value(best[factor])} ended most accurate "
            f"({best['last_val_acc']:.1%} at the last epoch)." if best is not None else "No run reported an accuracy.")
    if published is None:
        return text + " The study published no figures for this section to compare with."
    compared = [(v, a, published.accuracy[_key(v)]) for v, a in zip(measured[factor], measured["last_val_acc"])
                if _key(v) in published.accuracy]
    if compared:
        close = [c for c in compared if abs(c[1] - c[2]) <= WITHIN]
        worst = max(compared, key=lambda c: abs(c[1] - c[2]))
        text += (f" Within {100 * WITHIN:.0f} points of the study at {len(close)} of {len(compared)} published "
                 f"values" + ("." if len(close) == len(compared) else
                              f"; furthest at {format_value(worst[0])}: {worst[1]:.1%} against its {worst[2]:.0%}."))
    verdict = _finding_verdict(rows, factor)
    if verdict:
        text += f" The study's finding — {published.finding} — {verdict}."
    return text


def _finding_verdict(rows: pd.DataFrame, factor: str) -> str | None:
    """Whether this replay reproduces the direction the study reported, with the figures."""
    acc = {_key(v): a for v, a in zip(rows[factor], rows["last_val_acc"]) if pd.notna(a)}
    if factor == "batch_size":
        small = {b: a for b, a in acc.items() if b <= 256}
        large = {b: a for b, a in acc.items() if b >= 1024}
        if not small or not large:
            return None
        learnt = {b: a > MAJORITY_ACCURACY + 0.05 for b, a in small.items()}
        collapsed = {b: a <= MAJORITY_ACCURACY + 0.01 for b, a in large.items()}
        parts = [_part("the collapse at batch ≥ 1,024", collapsed, large),
                 _part("learning at batch ≤ 256", learnt, small)]
        return f"in parts: {'; '.join(parts)} (the majority class alone scores {MAJORITY_ACCURACY:.1%})"
    if factor == "lr":
        return _lr_verdict(rows)
    if factor == "standardize" and "raw" in acc and "pixel" in acc:
        gap = acc["raw"] - acc["pixel"]
        return (f"{'has its sign' if gap > 0 else 'is not'} reproduced: raw pixels {acc['raw']:.1%}, z-scored "
                f"{acc['pixel']:.1%} ({100 * gap:+.1f} points; the study: about +13)")
    if factor == "arch" and len(acc) >= 2:
        top = max(acc, key=acc.get)
        return f"{'is' if top == 'arch2' else 'is not'} reproduced: the most accurate was {top} ({acc[top]:.1%})"
    return None


def _part(what: str, held: dict, accuracy: dict) -> str:
    """"what: reproduced at 2,048 and 8,192 (24.9%), not at 1,024 (28.1%)"."""
    yes = [b for b, ok in held.items() if ok]
    no = [b for b, ok in held.items() if not ok]
    words = [f"reproduced at {_batches(yes)} ({_span({b: accuracy[b] for b in yes})})"] if yes else []
    words += [f"not at {_batches(no)} ({_span({b: accuracy[b] for b in no})})"] if no else []
    return f"{what}: " + ", ".join(words)


def _batches(sizes: list) -> str:
    names = [f"{b:,}" for b in sorted(sizes)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _lr_verdict(rows: pd.DataFrame) -> str | None:
    losses = {_key(v): l for v, l in zip(rows["lr"], rows["final_train_loss"]) if pd.notna(l)}
    if not losses:
        return None
    best = min(losses, key=losses.get)
    stalled = [lr for lr, loss in losses.items() if loss >= STALLED]
    holds = best == STUDY_BEST_LR and all(lr in stalled for lr in STUDY_STALLED_LRS if lr in losses)
    stalled_text = ", ".join(format_value(lr) for lr in sorted(stalled)) or "none"
    return (f"{'holds' if holds else 'does not hold'} here: lowest training loss at lr {format_value(best)} "
            f"({losses[best]:.3f}); lrs whose loss stayed at the class-frequency level ({CLASS_FREQUENCY_LOSS:.2f}): "
            f"{stalled_text}")


def _lr_grid(table: pd.DataFrame, epochs: pd.DataFrame, other: str) -> Panel:
    values = sorted(table[other].unique(), key=_order_key)
    sentences = []
    best_lrs = {}
    for value in values:
        part = table[table[other] == value]
        verdict = _lr_verdict(part)
        losses = part.dropna(subset=["final_train_loss"])
        if len(losses):
            best_lrs[value] = losses.loc[losses["final_train_loss"].idxmin(), "lr"]
        sentences.append(f"at {_value(other, value)} the study's learning-rate finding {verdict}")
    depends = len(set(best_lrs.values())) > 1
    summary = (f"The best learning rate {'depends' if depends else 'does not depend'} on {name_of(other)} in this "
               f"grid (lowest final training loss: " +
               ", ".join(f"lr {format_value(lr)} at {_value(other, v)}" for v, lr in best_lrs.items()) +
               "; one run each)")
    notes = ("One run per cell (seed 0). Dotted lines diverged. The loss axis stops at "
             f"{LOSS_CAP:.2f}: an epoch whose loss blew up past it is drawn off the top.",
             f"A loss that stays near {CLASS_FREQUENCY_LOSS:.2f} is what predicting the class frequencies alone gives: "
             "the run learnt nothing else.")
    return Panel(_curves(table, epochs, other, values), summary + "; " + "; ".join(sentences) + ".", notes)


def _curves(table: pd.DataFrame, epochs: pd.DataFrame, other: str, values: list) -> go.Figure:
    figure = make_subplots(rows=2, cols=len(values), shared_xaxes=True, shared_yaxes="rows",
                           column_titles=[f"{_value(other, v)}" for v in values],
                           row_titles=["training loss", "validation accuracy"], vertical_spacing=0.08)
    lrs = sorted(table["lr"].unique())
    colours = dict(zip(lrs, sequential_colours(len(lrs))))
    for col, value in enumerate(values, start=1):
        for _, trial in table[table[other] == value].sort_values("lr").iterrows():
            curve = epochs[epochs["trial_id"] == trial["trial_id"]].sort_values("epoch")
            dash = "dot" if trial["state"] == "diverged" else "solid"
            for row, metric in ((1, "train_loss"), (2, "val_acc")):
                figure.add_trace(go.Scatter(
                    x=curve["epoch"], y=curve[metric], mode="lines+markers", name=f"lr {format_value(trial['lr'])}",
                    legendgroup=str(trial["lr"]), showlegend=(col == 1 and row == 1),
                    line={"color": colours[trial["lr"]], "dash": dash}, marker={"size": 4},
                    hovertemplate=f"lr {format_value(trial['lr'])}, {_value(other, value)}"
                                  f"<br>epoch %{{x}}: %{{y:.4g}}<extra></extra>"), row=row, col=col)
    losses = pd.to_numeric(epochs.loc[epochs["trial_id"].isin(table["trial_id"]), "train_loss"],
                           errors="coerce").dropna()
    losses = losses[np.isfinite(losses) & (losses > 0)]
    if len(losses) and losses.max() > LOSS_CAP:  # a run that blew up would flatten the others
        figure.update_yaxes(range=[0.9 * losses.min(), LOSS_CAP], row=1)
    accuracy = pd.to_numeric(epochs.loc[epochs["trial_id"].isin(table["trial_id"]), "val_acc"], errors="coerce")
    figure.update_yaxes(tickformatstops=PERCENT_TICKS, range=[0, min(1.0, 1.1 * accuracy.max())], row=2)
    figure.update_xaxes(title="epoch", row=2)
    figure.update_layout(title="Loss and accuracy per epoch for each learning rate (the study's figures 1.2–1.3)",
                         legend={"title": {"text": "learning rate"}})
    return tidy(figure, height=640)


def _value(factor: str, value) -> str:
    """A value as a sentence names it: `batch 8`, `pixels/255` (standardization none)."""
    return value_text(factor, format_value(value))


def _key(value):
    """A value as the study's tables key it (batch sizes as ints, lrs as floats)."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _order_key(value) -> tuple:
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def _percent(value) -> str:
    return f"{value:.1%}" if value is not None and pd.notna(value) else "–"


def _span(values: dict) -> str:
    low, high = f"{min(values.values()):.1%}", f"{max(values.values()):.1%}"
    return low if low == high else f"{low}–{high}"
