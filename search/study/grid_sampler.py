"""Optuna's GridSampler for ask-and-tell use under Ray Tune."""

from __future__ import annotations

from optuna.samplers import GridSampler


class AskTellGridSampler(GridSampler):
    """GridSampler without the `study.stop()` it calls once the grid is used up.

    `Study.stop` only works inside `study.optimize`; under Ray's ask-and-tell it raises on
    the last `tell`. Here `num_samples` = grid size already ends the search.
    """

    def after_trial(self, study, trial, state, values) -> None:  # noqa: D102 (see class docstring)
        return None
