"""After the search (and its final training, if any): the kept checkpoints as a library, and from
it the model a user gets, written to `best/` (`search.final.deliverable`).

Selection uses validation only; the test split (FER2013's PrivateTest) is touched once, at the
end, for the final numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ray import tune

from experiment.files import BEST_DIR
from search.outcome import full_run_time
from search.final.deliverable import (FINAL, SEARCH, LibraryModel, deliver, final_pass_precision,
                                      recorded_val_probabilities)
from search.final.selection import DEFAULT_ROUNDS
from trainables import Splits
from trainables.device import local_device
from trainables.trainable import TRAINING_ERROR

__all__ = ["evaluate_best", "final_library", "final_pass_precision", "search_library"]


def search_library(results: tune.ResultGrid, splits: Splits, optuna_number: Callable[[str], int | None],
                   max_epochs: int, max_train_time_s: float | None = None) -> tuple[list[LibraryModel], int]:
    """Every kept checkpoint of the trials whose full run fits `max_train_time_s` (all without it),
    with its recorded validation probabilities; and how many had to be computed (checkpoints written
    before they were recorded)."""
    library, computed = [], 0
    for result in results:
        full_run = full_run_time(result.metrics or {}, max_epochs)["full_run_time_s"]
        if max_train_time_s is not None and (full_run is None or full_run > max_train_time_s):
            continue
        for checkpoint, metrics in result.best_checkpoints or []:
            if metrics.get("val_acc") is None:
                continue
            trial_id = metrics.get("trial_id") or (result.metrics or {}).get("trial_id")
            try:
                with checkpoint.as_directory() as folder:
                    val, was_computed = recorded_val_probabilities(Path(folder), splits, _precision(metrics))
            except FileNotFoundError:
                # A driver killed while Tune deleted a checkpoint that fell out of the kept top-k
                # restores a list that still names it; the checkpoint is gone, the trial's others stay.
                continue
            computed += was_computed
            library.append(LibraryModel(SEARCH, trial_id, int(metrics.get("epoch") or 0), checkpoint, val, metrics,
                                        optuna_number(trial_id), full_run))
    return library, computed


def final_library(results: tune.ResultGrid, splits: Splits) -> list[LibraryModel]:
    """Each final training's model as it ended (its last epoch, the end of its lr schedule)."""
    library = []
    for result in results:
        metrics = result.metrics or {}
        if (result.checkpoint is None or metrics.get("val_acc") is None or metrics.get("diverged")
                or metrics.get(TRAINING_ERROR)):
            continue  # a member that did not run its schedule to the end
        with result.checkpoint.as_directory() as folder:
            val, _ = recorded_val_probabilities(Path(folder), splits, _precision(metrics))
        library.append(LibraryModel(FINAL, metrics.get("trial_id"), int(metrics.get("epoch") or 0), result.checkpoint,
                                    val, metrics, None, metrics.get("train_time_s")))
    return library


def evaluate_best(results: tune.ResultGrid, splits: Splits, experiment_dir: Path,
                  optuna_number: Callable[[str], int | None], max_epochs: int,
                  max_train_time_s: float | None = None, final_results: tune.ResultGrid | None = None,
                  ensemble_rounds: int = DEFAULT_ROUNDS) -> dict[str, Any] | None:
    """Write `best/` from the search's kept checkpoints and the final training's models, and return
    summary.json's `best` (None when no trial left a checkpoint).

    With `max_train_time_s`, only trials whose full run fits it compete. Checkpoints are read back
    from wherever Tune stored them (a local folder, or `s3://`).
    """
    library, computed = search_library(results, splits, optuna_number, max_epochs, max_train_time_s)
    if final_results is not None:
        library += final_library(final_results, splits)
    extra = {"max_train_time_s": max_train_time_s}
    if computed:
        extra["val_probabilities_computed"] = computed
    return deliver(library, splits, experiment_dir / BEST_DIR, ensemble_rounds, extra)


def _precision(metrics: dict[str, Any]) -> str:
    return final_pass_precision(metrics.get("device"), metrics.get("precision"), local_device())
