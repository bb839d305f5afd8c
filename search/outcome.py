"""How a trial ended, decided once and shared by the Optuna study, Parquet files, progress view
and the simulator (`benchmarks.curves.simulator`)."""

from __future__ import annotations

from typing import Any

from optuna.trial import TrialState

from experiment.schema import COMPLETE, DIVERGED, FAILED, PRUNED

OPTUNA_STATES = {COMPLETE: TrialState.COMPLETE, DIVERGED: TrialState.COMPLETE, PRUNED: TrialState.PRUNED,
                 FAILED: TrialState.FAIL}
"""The study's state for each outcome: a diverged run ran its course and is COMPLETE with its
measured accuracy (its `diverged` user attribute says why it ended)."""


def trial_outcome(last_result: dict[str, Any] | None, max_epochs: int, errored: bool) -> str:
    """`failed` if it raised, `diverged` if its loss went non-finite, `complete` if it trained
    every epoch, else `pruned` (stopped early by ASHA or by the search's time budget)."""
    if errored:
        return FAILED
    if not last_result:
        return PRUNED
    if last_result.get("diverged"):
        return DIVERGED
    return COMPLETE if epochs_of(last_result) >= max_epochs else PRUNED


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
