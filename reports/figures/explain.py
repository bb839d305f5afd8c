"""What made the best model: the controlled runs of `python -m search.explain`, read as answers.

The table lists each change to the best configuration — an ablation of one of its choices, or a
step of a sweep — with its paired effect on validation accuracy and on seconds per epoch over the
seeds (95% intervals), the largest loss of accuracy first, and the best's own spread over seeds
beside it. The curves show validation accuracy over the learning-rate sweep at each of the two
batch sizes, and over the batch-size sweep. Numbers from `reports.evidence.explained`; sentences
follow `reports.evidence.rules`.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from experiment.files import EXPLAIN_DIR
from reports.evidence.explained import (ABLATION, BATCH_SWEEP, BEST, BestLearningRate, arm_effects,
                                        best_lrs, best_spread, explain_runs)
from reports.evidence.rules import MEANINGFUL_POINTS, MIN_TRIALS_PER_SIDE, interval_text, join_names, name_of, points, ratio_text
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import PERCENT_TICKS, tidy
from reports.hyperparameters import format_value
from reports.wording import plural

NOT_RUN = ("No controlled runs yet. `python -m search.explain {folder}` runs them: each of the best's choices put back "
           "to its reference, learning-rate and batch-size sweeps around it, and the learning-rate sweep at a second "
           "batch size, over 3 seeds each (`--plan` prints the plan and its expected time first).")


def explain_section(experiment: Experiment) -> Panel:
    if experiment.explained is None:
        return no_figure(NOT_RUN.format(folder=experiment.folder))
    runs = explain_runs(experiment)
    if runs[runs["kind"] == BEST].empty:
        return no_figure("The explain experiment has not finished a run of the best configuration yet.")
    effects = arm_effects(runs)
    sweeps = best_lrs(runs)
    notes = ("Each effect is a paired difference over seeds: a change's run at a seed against the best's at the same "
             "seed, every run trained to the end at the search's own setting; 95% t intervals. Seconds per epoch are "
             "compared only between runs of this experiment.",
             "An ablation is decided when its paired t-test survives Holm's correction over all the ablations, with at "
             f"least {MIN_TRIALS_PER_SIDE} seeds. The search's own run of the best, when it ran to the end, is one of "
             "the best's seeds; it was selected as the best of the search, so it may sit high.")
    dropped = experiment.explained.plan[experiment.explained.plan["dropped"]]["arm"].tolist()
    if dropped:
        notes += (f"Left out to fit the budget: {', '.join(dropped)}.",)
    status = (experiment.explained.summary or {}).get("status")
    if status != "finished":
        notes += ("The explain experiment has not finished: what is shown is what its runs so far measured.",)
    return Panel(_draw(effects, runs, sweeps), explain_sentence(effects, runs, sweeps), notes)


def controlled_lr_sentence(experiment: Experiment) -> str | None:
    """The explain experiment's answer on where the best learning rate lies at each batch size, for
    the lr × batch section; None when it has no learning-rate sweep."""
    if experiment.explained is None:
        return None
    runs = explain_runs(experiment)
    sweeps = best_lrs(runs)
    if not sweeps:
        return None
    return (f"Controlled runs ({EXPLAIN_DIR}/, {plural(int(runs['seed'].nunique()), 'seed')} each): "
            + " ".join(_lr_sentences(sweeps, int(runs["seed"].nunique()))))


def explain_sentence(effects: pd.DataFrame, runs: pd.DataFrame, sweeps: list[BestLearningRate]) -> str:
    """What the controlled runs decided, in words: the best's spread, its choices, the best lr per batch."""
    spread = best_spread(runs)
    seeds = int(runs["seed"].nunique())
    parts = [_spread_sentence(spread)]
    ablations = effects[effects["kind"] == ABLATION]
    decided = ablations[ablations["decided"]].sort_values("difference")
    worth = decided[decided["difference"].abs() >= MEANINGFUL_POINTS]
    if len(worth):
        parts.append("Of the best's choices, " + "; ".join(_worth(row) for _, row in worth.iterrows())
                     + " (Holm-corrected over the ablations).")
    small = decided[decided["difference"].abs() < MEANINGFUL_POINTS]
    if len(small):
        parts.append("Real but under a point: " + "; ".join(_worth(row) for _, row in small.iterrows()) + ".")
    undecided = ablations[~ablations["decided"] & (ablations["diverged"] == 0)]
    if len(undecided):
        parts.append(f"Not distinguishable from their references with {plural(seeds, 'seed')}: "
                     f"{join_names(list(undecided['changed']))}; more seeds would decide.")
    broke = effects[effects["diverged"] > 0]
    for _, row in broke.iterrows():
        parts.append(f"{change_text(row).capitalize()} diverged in {row['diverged']} of "
                     f"{row['diverged'] + row['seeds']} seeds.")
    parts += _lr_sentences(sweeps, seeds)
    return " ".join(parts)


def change_text(row: pd.Series) -> str:
    """An arm as a sentence names it: "batch norm True → False", "learning rate ×3 at batch 256"."""
    if row["kind"] == ABLATION:
        return f"{name_of(row['changed'])} {format_value(row['base'])} → {format_value(row['value'])}"
    step = row["step"]
    words = f"×{step:g}" if step >= 1 else f"÷{1 / step:g}"
    where = f" at batch {int(row['sweep_batch_size'])}" if row["kind"] == "interaction" else ""
    return f"{name_of(row['changed'])} {words}{where}"


def _spread_sentence(spread: pd.DataFrame) -> str:
    done = spread[spread["state"] == "complete"]
    values = done["val_acc"].to_numpy(dtype=float)
    listed = ", ".join(f"{v:.1%}" for v in values)
    if len(values) < 2:
        return f"The best configuration itself: {listed or 'no finished run'} (one seed: no spread yet)."
    own = done[done["own"].astype(bool)]
    own_text = (f"; its run in the search, {own['val_acc'].iloc[0]:.1%}, was {points(own['val_acc'].iloc[0] - values.mean())}"
                f" {'above' if own['val_acc'].iloc[0] >= values.mean() else 'below'} that mean" if len(own) else "")
    return (f"The best configuration itself over {len(values)} seeds: {listed} (mean {values.mean():.1%}, sd "
            f"{100 * values.std(ddof=1):.1f} points{own_text}).")


def _worth(row: pd.Series) -> str:
    """"batch norm True over False: +14.2 points (95% CI +12.0 to +16.4 points)": what keeping the
    best's value is worth against the reference (the negative of the ablation's effect)."""
    return (f"{name_of(row['changed'])} {format_value(row['base'])} over {format_value(row['value'])} is worth "
            f"{-100 * row['difference']:+.1f} points ({interval_text(-row['high'], -row['low'])})")


def _lr_sentences(sweeps: list[BestLearningRate], seeds: int) -> list[str]:
    if not sweeps:
        return []
    parts = []
    for sweep in sweeps:
        within = [format_value(lr) for lr in sweep.within if lr != sweep.best_lr]
        parts.append(f"at batch {sweep.batch_size} the best learning rate tried is {format_value(sweep.best_lr)}"
                     + (f" ({', '.join(within)} within noise of it)" if within else
                        " (every other rate tried is below it beyond noise)"))
    text = "; ".join(parts) + "."
    text = text[0].upper() + text[1:]
    if len(sweeps) == 2:
        small, large = sorted(sweeps, key=lambda s: s.batch_size)
        overlap = set(small.within) & set(large.within)
        if not overlap:
            direction = "rises" if large.best_lr > small.best_lr else "falls"
            text += (f" The best learning rate {direction} with the batch size"
                     + (", as the study found" if direction == "rises" else "") + ".")
        elif small.best_lr == large.best_lr and len(small.within) == len(large.within) == 1:
            text += " The best learning rate does not move between these batch sizes: the others are below it at both."
        else:
            text += (f" Cannot tell with {plural(seeds, 'seed')} whether the best learning rate moves with the batch "
                     "size: the rates within noise of the best at the two batch sizes overlap.")
    return [text]


def _draw(effects: pd.DataFrame, runs: pd.DataFrame, sweeps: list[BestLearningRate]) -> go.Figure:
    ablations = effects[effects["kind"] == ABLATION]
    table_px, curves_px = 60 + 26 * (len(ablations) + 1), 420
    figure = make_subplots(rows=2, cols=2, specs=[[{"type": "table", "colspan": 2}, None], [{}, {}]],
                           row_heights=[table_px, curves_px], vertical_spacing=90 / (table_px + curves_px),
                           subplot_titles=("", "the learning-rate sweep (mean over seeds, 95% interval)",
                                           "the batch-size sweep (mean over seeds, 95% interval)"))
    figure.add_trace(_table(ablations, runs), row=1, col=1)
    colours = ("#1f77b4", "#d62728")
    complete = runs[runs["state"] == "complete"]
    lrs = set()
    for sweep, colour in zip(sweeps, colours):
        at_batch = complete[(complete["batch_size"] == sweep.batch_size) & complete["lr"].isin(sweep.curve["lr"])]
        _add_curve(figure, at_batch, "lr", f"batch {sweep.batch_size}", colour, col=1)
        lrs |= set(sweep.curve["lr"])
    batch = complete[complete["kind"].isin((BEST, BATCH_SWEEP))]
    if batch["batch_size"].nunique() > 1:
        _add_curve(figure, batch, "batch_size", "batch sweep", "#2ca02c", col=2)
    figure.update_xaxes(type="log", title="learning rate", tickvals=sorted(lrs), tickformat=".2g", row=2, col=1)
    figure.update_xaxes(type="log", title="batch size", tickvals=sorted(batch["batch_size"].unique()), row=2, col=2)
    shown = complete[complete["kind"] != ABLATION]["val_acc"]
    span = [max(0.0, shown.min() - 0.05), min(1.0, shown.max() + 0.05)] if len(shown) else [0.0, 1.0]
    figure.update_yaxes(tickformatstops=PERCENT_TICKS, title="val acc, last epoch", range=span, row=2, col=1)
    figure.update_yaxes(tickformatstops=PERCENT_TICKS, range=span, row=2, col=2)
    figure.update_layout(title="What made the best model: controlled runs around it",
                         legend={"orientation": "h", "y": -0.12})
    return tidy(figure, height=table_px + curves_px + 200)


def _add_curve(figure: go.Figure, runs: pd.DataFrame, by: str, name: str, colour: str, col: int) -> None:
    """Mean accuracy per value of `by` with its 95% t interval over seeds, and each seed's run faintly."""
    summary = runs.groupby(by)["val_acc"].agg(["mean", "std", "count"]).sort_index()
    half = [stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) if n > 1 else 0.0
            for sd, n in zip(summary["std"].fillna(0), summary["count"])]
    figure.add_trace(go.Scatter(
        x=summary.index, y=summary["mean"], mode="lines+markers", name=name, line={"color": colour},
        error_y={"type": "data", "array": half, "color": colour},
        hovertext=[f"{name}, {by.replace('_', ' ')} {format_value(v)}: {m:.1%} over {n} seeds"
                   for v, m, n in zip(summary.index, summary["mean"], summary["count"])], hoverinfo="text"),
        row=2, col=col)
    figure.add_trace(go.Scatter(x=runs[by], y=runs["val_acc"], mode="markers", showlegend=False, hoverinfo="skip",
                                marker={"color": colour, "size": 5, "opacity": 0.35}), row=2, col=col)


def _table(ablations: pd.DataFrame, runs: pd.DataFrame) -> go.Table:
    rows = ablations.sort_values("difference", na_position="first")
    spread = best_spread(runs)
    done = spread[spread["state"] == "complete"]["val_acc"]
    header = ["the best's choice → its reference", "val acc (mean over seeds)", "effect on val acc",
              "s / epoch", "verdict"]
    best_row = ["the best itself", f"{done.mean():.1%}" if len(done) else "–",
                f"sd {100 * done.std(ddof=1):.1f} points over {len(done)} seeds" if len(done) > 1 else "–", "1×", ""]
    means = runs.groupby("arm")["val_acc"].mean()
    cells = [best_row] + [[
        change_text(row),
        f"{means.get(row['arm'], math.nan):.1%}" if row["seeds"] else "–",
        (f"{100 * row['difference']:+.1f} points ({interval_text(row['low'], row['high'])})"
         if math.isfinite(row["low"]) else f"{100 * row['difference']:+.1f} points (one seed)")
        if math.isfinite(row["difference"]) else "diverged",
        (f"{ratio_text(row['time_ratio'])} ({interval_text(row['time_low'], row['time_high'], ratio=True)})"
         if math.isfinite(row["time_low"]) else ratio_text(row["time_ratio"]) if math.isfinite(row["time_ratio"])
         else "–"),
        _verdict(row)] for _, row in rows.iterrows()]
    columns = list(map(list, zip(*cells)))
    fill = ["#f3f3f3"] + ["#fde8e8" if row["decided"] else "white" for _, row in rows.iterrows()]
    return go.Table(columnwidth=[2.2, 1.2, 2.2, 1.6, 1.4],
                    header={"values": [f"<b>{h}</b>" for h in header], "fill_color": "#dde4ee", "align": "left"},
                    cells={"values": columns, "fill_color": [fill] * len(header), "align": "left", "height": 24})


def _verdict(row: pd.Series) -> str:
    if row["diverged"] and not row["seeds"]:
        return "diverged in every seed"
    if not row["decided"]:
        return "not distinguishable"
    return "decided (Holm)" if abs(row["difference"]) >= MEANINGFUL_POINTS else "real but under a point"


__all__ = ["explain_section", "explain_sentence"]
