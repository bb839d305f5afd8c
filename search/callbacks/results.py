"""Parquet results, written by a Tune callback as trials finish.

`trials.parquet` has one row per trial (every hyperparameter its own column, outcome, best
and last val_acc, training time, epochs, parameter count, Optuna trial number);
`epochs.parquet` one row per trial and epoch with every reported metric. Each write goes
to a temporary file that is then renamed, so a crash never leaves a torn file and loses
no finished trial.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.parquet as pq
from ray import tune
from ray.tune.result import NODE_IP

from experiment.files import EPOCHS_FILE, TRIALS_FILE, write_atomically
from experiment.schema import EPOCHS_SCHEMA, TRIALS_SCHEMA
from search import interruption
from search.outcome import epochs_of, fail_reason, first_epoch_s, full_run_time, training_error, trial_outcome
from search.study.reuse import REUSED_FROM, hyperparameters
from trainables.hyperparameters import Hyperparameters

class ParquetResults(tune.Callback):
    """Keeps `trials.parquet` and `epochs.parquet` in `folder` up to date during a search.

    `epochs.parquet` is rewritten after every reported epoch and `trials.parquet` whenever a
    trial finishes. The rows are also this callback's state in Ray Tune's experiment
    checkpoint, saved with the trials' own state after every epoch, so a resumed search
    continues from exactly the rows that match the trials it resumes; an epoch reported
    again (the one in flight when the driver died) replaces its earlier row. A trial's `nodes`
    are the nodes it reported from, in order, a new entry each time it moved; a result that
    reports the training's own exception is no epoch, and becomes the trial's `fail_reason`.

    Args:
        folder: the experiment folder.
        max_epochs: epochs of a full run, to tell complete from pruned trials; or a function of a
            trial's config giving its own (the final training's members train for different lengths).
        optuna_number: maps a Ray trial id to its Optuna trial number.
        baseline_of: maps a Ray trial id to the name of the baseline it replays, if any.
    """

    def __init__(self, folder: Path, max_epochs: int | Callable[[dict], int], optuna_number: Callable[[str], int | None],
                 baseline_of: Callable[[str], str | None] = lambda trial_id: None):
        self._folder = Path(folder)
        self._max_epochs = max_epochs
        self._optuna_number = optuna_number
        self._baseline_of = baseline_of
        self._epoch_rows: dict[tuple[str, int], dict[str, Any]] = {}
        self._trial_rows: dict[str, dict[str, Any]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._nodes: dict[str, list[str]] = {}
        self._errors: dict[str, dict[str, Any]] = {}

    def setup(self, **info: Any) -> None:
        self._write()  # both files exist, with their schema, from the start

    def get_state(self) -> dict[str, Any]:
        return {"epoch_rows": self._epoch_rows, "trial_rows": self._trial_rows, "history": self._history,
                "nodes": self._nodes, "errors": self._errors}

    def set_state(self, state: dict[str, Any]) -> None:
        self._epoch_rows, self._trial_rows, self._history = state["epoch_rows"], state["trial_rows"], state["history"]
        self._nodes, self._errors = state.get("nodes", {}), state.get("errors", {})
        self._write()

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        nodes = self._nodes.setdefault(trial.trial_id, [])
        node = result.get("node") or result.get(NODE_IP)
        if node and (not nodes or nodes[-1] != node):
            nodes.append(node)
        if training_error(result):
            self._errors[trial.trial_id] = {k: v for k, v in result.items() if k != "config"}
            return
        epoch = epochs_of(result)
        row = {field.name: result.get(field.name) for field in EPOCHS_SCHEMA}
        row.update(trial_id=trial.trial_id, optuna_number=self._optuna_number(trial.trial_id), epoch=epoch,
                   reported_at=time.time())
        self._epoch_rows[(trial.trial_id, epoch)] = row
        history = self._history.setdefault(trial.trial_id, [])
        history[:] = [r for r in history if epochs_of(r) < epoch] + [{k: v for k, v in result.items() if k != "config"}]
        self._write(trials=False)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._finish(trial, errored=False)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._finish(trial, errored=True)

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        # Trials still running when the search ends (its time budget ran out) get no
        # on_trial_complete; what they trained is recorded here, as pruned. After an
        # interruption they are not finished: the resumed search records them.
        if not interruption.requested():
            for trial in trials:
                if trial.trial_id not in self._trial_rows:
                    self._finish(trial, errored=False)
        self._write()

    def _finish(self, trial: Any, errored: bool) -> None:
        history = self._history.get(trial.trial_id, [])
        if not history and not errored and trial.trial_id not in self._errors:
            return  # never started (e.g. the time budget ran out first)
        self._trial_rows[trial.trial_id] = self._trial_row(trial, history, errored)
        self._write()

    def _trial_row(self, trial: Any, history: list[dict[str, Any]], errored: bool) -> dict[str, Any]:
        last = history[-1] if history else {}
        best = max(history, key=lambda r: r.get("val_acc") or 0.0) if history else {}
        max_epochs = self._max_epochs(trial.config) if callable(self._max_epochs) else self._max_epochs
        error = self._errors.get(trial.trial_id)
        return {
            "trial_id": trial.trial_id, "optuna_number": self._optuna_number(trial.trial_id),
            "state": trial_outcome(error or last, max_epochs, errored),
            "baseline": self._baseline_of(trial.trial_id),
            REUSED_FROM: last.get(REUSED_FROM), **Hyperparameters.from_config(hyperparameters(trial.config)).as_dict(),
            "seed": last.get("seed"),
            "best_val_acc": best.get("val_acc"), "best_epoch": epochs_of(best) if best else None,
            "last_val_acc": last.get("val_acc"), "train_time_s": last.get("train_time_s"),
            **full_run_time(last, max_epochs, first_epoch_s(history)),
            "epochs": epochs_of(last) if last else 0, "max_epochs": max_epochs,
            "param_count": last.get("param_count"), "precision": last.get("precision"),
            "nodes": self._nodes.get(trial.trial_id, []), "node_losses": trial.num_failures,
            "device": last.get("device"), "images_per_s": _mean([r.get("images_per_s") for r in history]),
            "fail_reason": fail_reason(error, trial.num_failures, errored, trial.error_file),
        }

    def _write(self, trials: bool = True) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        if trials:
            write_table(pa.Table.from_pylist(list(self._trial_rows.values()), schema=TRIALS_SCHEMA),
                        self._folder / TRIALS_FILE)
        rows = sorted(self._epoch_rows.values(), key=lambda r: (r["optuna_number"] is None, r["optuna_number"] or 0,
                                                                r["trial_id"], r["epoch"]))
        write_table(pa.Table.from_pylist(rows, schema=EPOCHS_SCHEMA), self._folder / EPOCHS_FILE)


def write_table(table: pa.Table, path: Path) -> None:
    write_atomically(path, lambda tmp: pq.write_table(table, tmp))


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
