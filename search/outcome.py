"""How a trial ended, and what the study records of it, decided once and shared by the Optuna
study, Parquet files, progress view and the simulator (`benchmarks.curves.simulator`).

Two kinds of failure are told apart. The training's own exception (a bug, a configuration that
cannot train) arrives as a result (`trainables.trainable.TRAINING_ERROR`): the trial is failed at
once, never retried. A fault of the cluster (a lost node, actor or raylet) reaches Ray as an
error, and Ray sends the trial back to its last checkpoint, up to `--max-failures` times; only
past that is the trial failed, "lost its node, worker or checkpoint N times".
"""

from __future__ import annotations

from typing import Any

from optuna.trial import TrialState

from experiment.full_run import full_run_time_s
from experiment.schema import COMPLETE, DIVERGED, FAILED, PRUNED
from trainables.trainable import TRAINING_ERROR

FULL_RUN_TIME = "full_run_time_s"
"""User attribute of a finished trial (and the trials.parquet column): a full run's training time,
measured for full runs, projected for the others; what `--max-train-time-s`'s constraint reads."""
REPORTED_ATTRS = ("train_time_s", "param_count", "precision", "device")
"""Metrics of a trial's last result that the study keeps as user attributes."""

OPTUNA_STATES = {COMPLETE: TrialState.COMPLETE, DIVERGED: TrialState.COMPLETE, PRUNED: TrialState.PRUNED,
                 FAILED: TrialState.FAIL}
"""The study's state for each outcome: a diverged run ran its course and is COMPLETE with its
measured accuracy (its `diverged` user attribute says why it ended)."""


def trial_outcome(last_result: dict[str, Any] | None, max_epochs: int, errored: bool) -> str:
    """`failed` if its training raised or Ray gave up on it (`errored`), `diverged` if its loss
    went non-finite, `complete` if it trained every epoch, else `pruned` (stopped early by ASHA
    or by the search's time budget)."""
    if errored or training_error(last_result):
        return FAILED
    if not last_result:
        return PRUNED
    if last_result.get("diverged"):
        return DIVERGED
    return COMPLETE if epochs_of(last_result) >= max_epochs else PRUNED


def training_error(result: dict[str, Any] | None) -> str | None:
    """The training's own exception, when this result reports one instead of an epoch."""
    return (result or {}).get(TRAINING_ERROR)


def fail_reason(result: dict[str, Any] | None, node_losses: int, errored: bool = False,
                ray_error_file: str | None = None) -> str | None:
    """Why a trial failed: its training's exception, else, when Ray ended it with an error
    (`errored`), the faults it gave up on: `node_losses` times lost, and the last line of
    Ray's `ray_error_file`."""
    if training_error(result):
        return training_error(result)
    if not errored:
        return None
    times = "once" if node_losses == 1 else f"{node_losses} times"
    return f"lost its node, worker or checkpoint {times}, the last time: {_last_line(ray_error_file)}"


def _last_line(path: str | None) -> str:
    try:
        with open(path or "") as stream:
            lines = [line.strip() for line in stream if line.strip()]
    except OSError:
        lines = []
    return lines[-1] if lines else "Ray recorded no error text"


def study_values(result: dict[str, Any], metric: str | list[str]) -> float | list[float]:
    """What the study is told of a COMPLETE trial: its last result's value of the objective's
    metric, or of each of its metrics (accuracy and training time, for the front)."""
    if isinstance(metric, list):
        return [float(result[name]) for name in metric]
    return float(result[metric])


def epochs_of(result: dict[str, Any]) -> int:
    return int(result.get("epoch") or result.get("training_iteration") or 0)


def first_epoch_s(history: list[dict[str, Any]]) -> float | None:
    """The seconds of a trial's first epoch, from its reported results (None when not reported)."""
    first = [r.get("epoch_time_s") for r in history if epochs_of(r) == 1]
    return float(first[0]) if first and first[0] is not None else None


def full_run_time(last: dict[str, Any] | None, max_epochs: int, first_epoch: float | None = None) -> dict[str, Any]:
    """Training time of a full run: measured when the trial ran every epoch, else projected
    (`experiment.full_run.full_run_time_s`, with its first epoch's seconds where known) and marked so."""
    epochs, seconds = epochs_of(last) if last else 0, last.get("train_time_s") if last else None
    if not epochs or seconds is None:
        return {FULL_RUN_TIME: None, "full_run_time_projected": None}
    return {FULL_RUN_TIME: full_run_time_s(seconds, epochs, max_epochs, first_epoch),
            "full_run_time_projected": epochs < max_epochs}


def study_user_attrs(last: dict[str, Any] | None, outcome: str, max_epochs: int,
                     first_epoch: float | None) -> dict[str, Any]:
    """The user attributes a finished trial gets in the study: why it ended, its epochs, what its
    last result reported, and its full run's time (which `--max-train-time-s`'s constraint reads).
    The search and the simulator set the same ones, so TPE learns from the same facts in both."""
    attrs: dict[str, Any] = {"diverged": outcome == DIVERGED, "epochs": epochs_of(last) if last else 0}
    attrs.update({name: last[name] for name in REPORTED_ATTRS if last and last.get(name) is not None})
    timing = full_run_time(last, max_epochs, first_epoch)
    if timing[FULL_RUN_TIME] is not None:
        attrs.update(timing)
    return attrs
