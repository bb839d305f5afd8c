"""Figure 6: learning rate × batch size, the interaction the study kept returning to.

The surface is a forest surrogate's partial dependence on both (`reports.evidence.
lr_batch_surface`): predicted validation accuracy of a full run at each learning rate and batch
size, every other hyperparameter averaged over the trials; the trials themselves sit on it.
The sentence answers the study's question — does the best learning rate depend on the batch
size? — from how the surrogate's best learning rate moves between the smallest and the largest
batch size with 3 trials or more, over bootstrap refits.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from reports.evidence import lr_batch_surface
from reports.evidence.lr_batch_surface import LrBatchSurface
from reports.evidence.rules import MIN_TRIALS_PER_SIDE, name_of
from reports.experiment import Experiment
from reports.figures.explain import controlled_lr_sentence
from reports.figures.panel import Panel, no_figure
from reports.figures.style import STATE_SYMBOLS, state_symbol, tidy
from reports.hyperparameters import format_value
from reports.wording import plural

WOULD_DECIDE = " A controlled grid (`--space lr_batch`) or `python -m search.explain` would decide."


def lr_batch_heatmap(experiment: Experiment) -> Panel:
    trials = experiment.trials
    varied = [name for name in ("lr", "batch_size") if trials[name].dropna().nunique() > 1]
    controlled = controlled_lr_sentence(experiment)
    if len(varied) < 2 and controlled:
        return no_figure(f"{controlled} (The search itself held the learning rate or the batch size; the sweeps are "
                         "drawn in \"What made the best model\".)")
    if len(varied) < 2:
        held = [f"{name_of(name)} {format_value(trials[name].dropna().iloc[0])}" for name in ("lr", "batch_size")
                if name not in varied and trials[name].notna().any()]
        return no_figure(f"Only one of the learning rate and the batch size can vary in a map of both, and "
                         f"{' and '.join(held) or 'neither'} held, so there is no interaction to map; "
                         "`--space lr_batch` replays the study's grid of both.")
    surface = lr_batch_surface(experiment)
    if surface is None:
        return no_figure(controlled or "Cannot tell whether the best learning rate depends on the batch size: too "
                         "few measured trials vary both (diverged and failed ones measure no accuracy).")
    notes = ("Colour: predicted validation accuracy of a full run, every other hyperparameter averaged over the "
             "trials (the surrogate's partial dependence). Markers: the trials, at their own lr and batch size.",)
    if trials["optimizer"].dropna().nunique() > 1:
        notes += ("The optimizers' learning rates differ in range (AdamW's are smaller), so a learning rate far "
                  "from an optimizer's range is predicted from the others.",)
    sentence = interaction_sentence(surface)
    if controlled:  # the controlled runs answer first; the search's surrogate is what the map shows
        sentence = f"{controlled} From the search's trials alone: {sentence.removesuffix(WOULD_DECIDE)}"
    return Panel(_draw(surface, experiment.trials), sentence, notes)


def interaction_sentence(surface: LrBatchSurface) -> str:
    """Whether the best learning rate moves with the batch size, with its uncertainty."""
    best = ", ".join(f"{format_value(lr)} at batch {batch}" for batch, lr in surface.best_lr.items())
    if surface.shift is None:
        return (f"Cannot tell whether the best learning rate depends on the batch size with "
                f"{plural(surface.modelled, 'trial')}: fewer than two batch sizes have {MIN_TRIALS_PER_SIDE} trials "
                f"each (the surrogate's best lr: {best}).{WOULD_DECIDE}")
    estimate, low, high, share = surface.shift
    enough = [b for b in surface.batches if surface.trials[b] >= MIN_TRIALS_PER_SIDE]
    small, large = enough[0], enough[-1]
    moved = (f"the best learning rate is {format_value(surface.best_lr[small])} at batch {small} and "
             f"{format_value(surface.best_lr[large])} at batch {large}: {_decades(estimate)} decades (95% CI "
             f"{_decades(low)} to {_decades(high)}; higher at the larger batch in {share:.0%} of bootstrap refits)")
    if low > 0 or high < 0:
        direction = "rises" if estimate > 0 else "falls"
        return f"The best learning rate {direction} with the batch size, as the study found: {moved}."
    return (f"Not distinguishable with {plural(surface.modelled, 'trial')} whether the best learning rate depends on "
            f"the batch size: {moved}.{WOULD_DECIDE}")


def _draw(surface: LrBatchSurface, trials: pd.DataFrame) -> go.Figure:
    figure = go.Figure(go.Heatmap(
        z=surface.prediction, x=surface.lrs, y=[f"batch {b}" for b in surface.batches], colorscale="Viridis",
        colorbar={"title": "predicted<br>val acc", "tickformat": ".0%"},
        hovertemplate="lr %{x:.3g}, %{y}<br>predicted %{z:.1%}<extra></extra>"))
    shown = trials.dropna(subset=["lr", "batch_size"])
    labels = {b: f"batch {b}" for b in surface.batches}
    for state in [s for s in STATE_SYMBOLS if s in set(shown["state"])]:
        part = shown[shown["state"] == state]
        figure.add_trace(go.Scatter(
            x=part["lr"], y=[labels.get(format_value(int(b)), f"batch {int(b)}") for b in part["batch_size"]],
            mode="markers", name=f"trial ({state})",
            marker={"symbol": state_symbol(state), "size": 10, "color": "white",
                    "line": {"color": "black", "width": 1.5}},
            hovertext=[f"trial {t} ({state}): best val acc {a:.1%}" if pd.notna(a) else f"trial {t} ({state})"
                       for t, a in zip(part["trial_id"], part["best_val_acc"])], hoverinfo="text"))
    best_x = [surface.best_lr[b] for b in surface.batches]
    figure.add_trace(go.Scatter(x=best_x, y=[f"batch {b}" for b in surface.batches], mode="markers",
                                name="best lr (surrogate)", marker={"symbol": "star", "size": 14, "color": "#ff5252",
                                                                    "line": {"color": "black", "width": 1}}))
    figure.update_xaxes(type="log", title="learning rate (log scale)", tickformat="~g",
                        range=[math.log10(surface.lrs.min()) - 0.1, math.log10(surface.lrs.max()) + 0.1])
    figure.update_yaxes(title="batch size", type="category")
    figure.update_layout(title="Predicted accuracy over learning rate × batch size, with the trials",
                         legend={"orientation": "h", "y": -0.25})
    return tidy(figure, height=max(380, 160 + 50 * len(surface.batches)))


def _decades(value: float) -> str:
    return f"{value:+.2f}".replace("-0.00", "+0.00")
