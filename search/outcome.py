"""How a trial ended, decided once and shared by the Optuna study, Parquet files and progress view."""

from __future__ import annotations

from typing import Any

from search.schema import COMPLETE, DIVERGED, FAILED, PRUNED


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


def epochs_of(result: dict[str, Any]) -> int:
    return int(result.get("epoch") or result.get("training_iteration") or 0)


def first_epoch_s(history: list[dict[str, Any]]) -> float | None:
    """The seconds of a trial's first epoch, from its reported results (None when not reported)."""
    first = [r.get("epoch_time_s") for r in history if epochs_of(r) == 1]
    return float(first[0]) if first and first[0] is not None else None
