"""How a trial ended, decided once and shared by the Optuna study, Parquet files and progress view."""

from __future__ import annotations

from typing import Any

COMPLETE, PRUNED, DIVERGED, FAILED = "complete", "pruned", "diverged", "failed"
STATES = (COMPLETE, PRUNED, DIVERGED, FAILED)


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
