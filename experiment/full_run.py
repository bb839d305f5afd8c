"""The training time of a full run, projected from the epochs a trial has measured.

One formula for the scheduler that stops a trial whose full run cannot fit a time limit, the
Optuna study's user attributes, `trials.parquet` and the report.
"""

from __future__ import annotations


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
