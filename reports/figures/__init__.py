"""One module per figure; each public function takes an Experiment and returns a Panel."""

from reports.figures.accuracy_drivers import accuracy_drivers
from reports.figures.accuracy_vs_time import accuracy_vs_time
from reports.figures.asha_savings import asha_savings_chart
from reports.figures.batch_table import batch_table
from reports.figures.comparisons import activation_and_standardization
from reports.figures.importance import accuracy_importance
from reports.figures.learning_curves import learning_curves
from reports.figures.lr_batch import lr_batch_heatmap
from reports.figures.nodes import nodes_table
from reports.figures.panel import Panel
from reports.figures.per_class import per_class
from reports.figures.replay import replay
from reports.figures.time_drivers import time_drivers
from reports.figures.trade_off import trade_off_table

__all__ = [
    "Panel", "accuracy_drivers", "accuracy_importance", "accuracy_vs_time", "activation_and_standardization",
    "asha_savings_chart", "batch_table", "learning_curves", "lr_batch_heatmap", "nodes_table", "per_class", "replay",
    "time_drivers", "trade_off_table",
]
