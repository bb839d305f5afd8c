"""Which hyperparameters an experiment varied, and how to print a configuration."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from reports.experiment import HYPERPARAMETERS


def varying(trials: pd.DataFrame) -> list[str]:
    """Hyperparameters with more than one value among `trials`, in the schema's order."""
    return [name for name in HYPERPARAMETERS if trials[name].dropna().nunique() > 1]


def format_value(value: Any) -> str:
    """Short and exact enough to tell configurations apart: 0.0303, 256, relu, True."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def config_text(row: pd.Series | dict[str, Any], separator: str = ", ") -> str:
    """`arch=arch2, lr=0.01, ...` for every hyperparameter the row has a value for."""
    return separator.join(f"{name}={format_value(row.get(name))}" for name in HYPERPARAMETERS
                          if row.get(name) is not None and not _is_nan(row.get(name)))


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
