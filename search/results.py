"""Parquet results, written by a Tune callback as trials finish.

`trials.parquet` has one row per trial (every hyperparameter its own column, outcome, best
and last val_acc, training time, epochs, parameter count, Optuna trial number);
`epochs.parquet` one row per trial and epoch with every reported metric. Each write goes
to a temporary file that is then renamed, so a crash never leaves a torn file and loses
no finished trial.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.parquet as pq
from ray import tune

from search.outcome import epochs_of, trial_outcome
from search.reuse import REUSED_FROM, hyperparameters
from trainables.hyperparameters import Hyperparameters

TRIALS_FILE = "trials.parquet"
EPOCHS_FILE = "epochs.parquet"

HYPERPARAMETER_FIELDS = [
    pa.field("arch", pa.string()), pa.field("lr", pa.float64()), pa.field("batch_size", pa.int64()),
    pa.field("activation", pa.string()), pa.field("standardize", pa.string()), pa.field("optimizer", pa.string()),
    pa.field("weight_decay", pa.float64()), pa.field("batch_norm", pa.bool_()), pa.field("dropout", pa.float64()),
    pa.field("augment", pa.string()), pa.field("lr_schedule", pa.string()),
]
TRIALS_SCHEMA = pa.schema([
    pa.field("trial_id", pa.string()), pa.field("optuna_number", pa.int64()), pa.field("state", pa.string()),
    pa.field("baseline", pa.string()), pa.field("reused_from", pa.string()), *HYPERPARAMETER_FIELDS,
    pa.field("best_val_acc", pa.float64()), pa.field("best_epoch", pa.int64()), pa.field("last_val_acc", pa.float64()),
    pa.field("train_time_s", pa.float64()), pa.field("epochs", pa.int64()), pa.field("max_epochs", pa.int64()),
    pa.field("param_count", pa.int64()), pa.field("images_per_s", pa.float64()), pa.field("precision", pa.string()),
    pa.field("error", pa.string()),
])
EPOCHS_SCHEMA = pa.schema([
    pa.field("trial_id", pa.string()), pa.field("optuna_number", pa.int64()), pa.field("epoch", pa.int64()),
    pa.field("val_acc", pa.float64()), pa.field("val_loss", pa.float64()), pa.field("train_acc", pa.float64()),
    pa.field("train_loss", pa.float64()), pa.field("epoch_time_s", pa.float64()), pa.field("train_time_s", pa.float64()),
    pa.field("images_per_s", pa.float64()), pa.field("diverged", pa.bool_()),
])


class ParquetResults(tune.Callback):
    """Keeps `trials.parquet` and `epochs.parquet` in `folder` up to date during a search.

    Args:
        folder: the experiment folder.
        max_epochs: epochs of a full run, to tell complete from pruned trials.
        optuna_number: maps a Ray trial id to its Optuna trial number.
        baseline_of: maps a Ray trial id to the name of the baseline it replays, if any.
    """

    def __init__(self, folder: Path, max_epochs: int, optuna_number: Callable[[str], int | None],
                 baseline_of: Callable[[str], str | None] = lambda trial_id: None):
        self._folder = Path(folder)
        self._max_epochs = max_epochs
        self._optuna_number = optuna_number
        self._baseline_of = baseline_of
        self._epoch_rows: list[dict[str, Any]] = []
        self._trial_rows: dict[str, dict[str, Any]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}

    def setup(self, **info: Any) -> None:
        self._write()  # both files exist, with their schema, from the start

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        row = {field.name: result.get(field.name) for field in EPOCHS_SCHEMA}
        row.update(trial_id=trial.trial_id, optuna_number=self._optuna_number(trial.trial_id), epoch=epochs_of(result))
        self._epoch_rows.append(row)
        self._history.setdefault(trial.trial_id, []).append(result)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._finish(trial, errored=False)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._finish(trial, errored=True)

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        # Trials still running when the search ends (its time budget ran out) get no
        # on_trial_complete; what they trained is recorded here, as pruned.
        for trial in trials:
            if trial.trial_id not in self._trial_rows:
                self._finish(trial, errored=False)
        self._write()

    def _finish(self, trial: Any, errored: bool) -> None:
        history = self._history.get(trial.trial_id, [])
        if not history and not errored:
            return  # never started (e.g. the time budget ran out first)
        self._trial_rows[trial.trial_id] = self._trial_row(trial, history, errored)
        self._write()

    def _trial_row(self, trial: Any, history: list[dict[str, Any]], errored: bool) -> dict[str, Any]:
        last = history[-1] if history else {}
        best = max(history, key=lambda r: r.get("val_acc") or 0.0) if history else {}
        row = {
            "trial_id": trial.trial_id, "optuna_number": self._optuna_number(trial.trial_id),
            "state": trial_outcome(last, self._max_epochs, errored), "baseline": self._baseline_of(trial.trial_id),
            REUSED_FROM: last.get(REUSED_FROM), **Hyperparameters.from_config(hyperparameters(trial.config)).as_dict(),
            "best_val_acc": best.get("val_acc"), "best_epoch": epochs_of(best) if best else None,
            "last_val_acc": last.get("val_acc"), "train_time_s": last.get("train_time_s"),
            "epochs": epochs_of(last) if last else 0, "max_epochs": self._max_epochs,
            "param_count": last.get("param_count"), "precision": last.get("precision"),
            "images_per_s": _mean([r.get("images_per_s") for r in history]),
            "error": _first_line(trial.error_file) if errored else None,
        }
        return row

    def _write(self) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        write_atomically(pa.Table.from_pylist(list(self._trial_rows.values()), schema=TRIALS_SCHEMA),
                         self._folder / TRIALS_FILE)
        write_atomically(pa.Table.from_pylist(self._epoch_rows, schema=EPOCHS_SCHEMA), self._folder / EPOCHS_FILE)


def write_atomically(table: pa.Table, path: Path) -> None:
    """Write to `<path>.tmp`, then rename over `path`: readers see the old or the new file, whole."""
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _first_line(error_file: str | None) -> str | None:
    if not error_file or not os.path.exists(error_file):
        return "trial raised an error"
    with open(error_file) as stream:
        lines = [line.strip() for line in stream if line.strip()]
    return lines[-1] if lines else "trial raised an error"
