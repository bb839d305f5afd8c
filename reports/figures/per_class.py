"""The best model per emotion: where it sees each one and where it confuses them.

FER2013 is imbalanced (disgust is 1.5% of the training images), so accuracy alone hides the
emotions a model cannot see. The numbers are the best trial's one test pass (`summary.json`'s
`best.per_class`): the confusion matrix with each row as shares of that true emotion (its
recall on the diagonal), and a sentence on the weakest emotions by F1.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy

WEAKEST = 2


def per_class(experiment: Experiment) -> Panel:
    best = (experiment.summary or {}).get("best") or {}
    results = best.get("per_class")
    if not results:
        return no_figure("No per-emotion results were recorded (the search wrote no best model, or predates them).")
    return Panel(_draw(results, best.get("test_split") or "test"), per_class_sentence(results, best), ())


def per_class_sentence(results: dict, best: dict) -> str:
    """The weakest emotions by F1, the strongest, and macro-F1 beside accuracy."""
    emotions, f1, recall = results["emotions"], results["f1"], results["recall"]
    support, precision = results["support"], results["precision"]
    order = sorted(range(len(emotions)), key=lambda i: (f1[i], support[i]))
    weakest = [i for i in order if support[i] > 0][:WEAKEST]
    strongest = max(range(len(emotions)), key=lambda i: f1[i])
    weak = "; ".join(f"{emotions[i]} (F1 {f1[i]:.2f}: recall {recall[i]:.0%}, precision {precision[i]:.0%}, "
                     f"{support[i]:,} test images)" for i in weakest)
    accuracy = f" against an accuracy of {best['test_acc']:.1%}" if best.get("test_acc") is not None else ""
    return (f"The best model sees {emotions[strongest]} best (F1 {f1[strongest]:.2f}) and is weakest on {weak}; "
            f"macro-F1 {results['macro_f1']:.2f}{accuracy}, each emotion counting the same.")


def _draw(results: dict, split: str) -> go.Figure:
    counts = np.asarray(results["confusion"], dtype=float)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    emotions = results["emotions"]
    text = [[f"{shares[i, j]:.0%}<br>{int(counts[i, j])}" for j in range(len(emotions))] for i in range(len(emotions))]
    figure = go.Figure(go.Heatmap(
        z=shares, x=emotions, y=emotions, text=text, texttemplate="%{text}", colorscale="Blues", zmin=0, zmax=1,
        colorbar={"title": "share of<br>the row", "tickformat": ".0%"},
        hovertemplate="true %{y}, predicted %{x}<br>%{text}<extra></extra>", xgap=1, ygap=1))
    figure.update_xaxes(title="predicted emotion", side="bottom")
    figure.update_yaxes(title="true emotion", autorange="reversed")
    figure.update_layout(title=f"Confusion matrix of the best model on the {split} split (rows: true emotion)")
    return tidy(figure, height=560)
