"""What an experiment folder holds, in one place for the search that writes it and the report
that reads it: file names, Parquet schemas, trial states, the keys of `summary.json`, the
full-run time projection, the dominance test and the atomic write.

Importable without Ray or torch (pyarrow only), so `reports/` and `--help` stay light.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

TRIALS_FILE = "trials.parquet"
EPOCHS_FILE = "epochs.parquet"
SUMMARY_FILE = "summary.json"
RECORD_FILE = "search.json"
OPTUNA_FILE = "optuna.db"
REPORT_FILE = "report.html"
BEST_DIR = "best"
PER_CLASS_FILE = "per_class.parquet"  # in best/: per emotion precision, recall, F1, support and the confusion row

COMPLETE, PRUNED, DIVERGED, FAILED = "complete", "pruned", "diverged", "failed"
STATES = (COMPLETE, PRUNED, DIVERGED, FAILED)

# summary.json: summary[SEARCH][SCHEDULER] is the early stopping a search used, NO_EARLY_STOPPING if none
SEARCH, SCHEDULER, OBJECTIVE, NO_EARLY_STOPPING = "search", "scheduler", "objective", "none"
SPACE, SPACE_FILE, SPACE_SPEC = "space", "space_file", "space_spec"  # a space from a file: its name and content
FINISHED, INTERRUPTED = "finished", "interrupted"

HYPERPARAMETER_FIELDS = [
    pa.field("arch", pa.string()), pa.field("lr", pa.float64()), pa.field("batch_size", pa.int64()),
    pa.field("activation", pa.string()), pa.field("standardize", pa.string()), pa.field("optimizer", pa.string()),
    pa.field("weight_decay", pa.float64()), pa.field("batch_norm", pa.bool_()), pa.field("dropout", pa.float64()),
    pa.field("augment", pa.string()), pa.field("lr_schedule", pa.string()),
]
HYPERPARAMETERS = tuple(field.name for field in HYPERPARAMETER_FIELDS)
TRIALS_SCHEMA = pa.schema([
    pa.field("trial_id", pa.string()), pa.field("optuna_number", pa.int64()), pa.field("state", pa.string()),
    pa.field("baseline", pa.string()), pa.field("reused_from", pa.string()), *HYPERPARAMETER_FIELDS,
    pa.field("best_val_acc", pa.float64()), pa.field("best_epoch", pa.int64()), pa.field("last_val_acc", pa.float64()),
    pa.field("train_time_s", pa.float64()), pa.field("full_run_time_s", pa.float64()),
    pa.field("full_run_time_projected", pa.bool_()), pa.field("epochs", pa.int64()), pa.field("max_epochs", pa.int64()),
    pa.field("param_count", pa.int64()), pa.field("images_per_s", pa.float64()), pa.field("precision", pa.string()),
    pa.field("node", pa.string()), pa.field("device", pa.string()), pa.field("error", pa.string()),
])
EPOCHS_SCHEMA = pa.schema([
    pa.field("trial_id", pa.string()), pa.field("optuna_number", pa.int64()), pa.field("epoch", pa.int64()),
    pa.field("val_acc", pa.float64()), pa.field("val_loss", pa.float64()), pa.field("train_acc", pa.float64()),
    pa.field("train_loss", pa.float64()), pa.field("epoch_time_s", pa.float64()), pa.field("train_time_s", pa.float64()),
    pa.field("images_per_s", pa.float64()), pa.field("eval_time_s", pa.float64()), pa.field("diverged", pa.bool_()),
    pa.field("reported_at", pa.float64()),
])


def full_run_time_s(train_time_s: float, epochs: int, max_epochs: int, first_epoch_s: float | None = None) -> float:
    """Training time of a full run of `max_epochs`, from `epochs` trained in `train_time_s`.

    The first epoch as measured (it may carry warm-up: a CUDA context, cuDNN's autotuning)
    plus the mean of the later ones for each epoch to come; from the mean of all epochs when
    the first alone is not known, or is all there is. Measured, not projected, at `max_epochs`.
    """
    if epochs >= max_epochs:
        return train_time_s / epochs * max_epochs
    if first_epoch_s is not None and epochs >= 2:
        return first_epoch_s + (train_time_s - first_epoch_s) / (epochs - 1) * (max_epochs - 1)
    return train_time_s / epochs * max_epochs


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Pareto dominance for coordinates to minimise: `a` no worse anywhere and better somewhere."""
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def dominance_matrix(points: np.ndarray) -> np.ndarray:
    """`dominates` for every pair of rows at once: [i, j] is True where row i dominates row j."""
    no_worse = (points[:, None, :] <= points[None, :, :]).all(axis=2)
    better = (points[:, None, :] < points[None, :, :]).any(axis=2)
    return no_worse & better


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """`write(<path>.tmp)`, then rename over `path`: a reader sees the old file or the new one, whole."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)
