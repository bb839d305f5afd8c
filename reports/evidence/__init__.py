"""Estimates from all the evidence a search produced, each with its uncertainty.

`time_model` explains seconds per epoch by the hyperparameters (log-linear, every timed epoch
of every trial); `accuracy_model` explains validation accuracy (a forest surrogate on every
reported epoch, tested on held-out trials); `rules` holds what a sentence may claim. Figures
draw these and say them in sentences generated from the same numbers. Each model is fitted
once per experiment and shared by the sections that use it.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from reports.evidence.accuracy_model import AccuracyModel, fit_accuracy_model
from reports.evidence.time_model import TimeModel, fit_time_model
from reports.experiment import Experiment

_TIME: WeakKeyDictionary = WeakKeyDictionary()
_ACCURACY: WeakKeyDictionary = WeakKeyDictionary()


def time_model(experiment: Experiment) -> TimeModel:
    if experiment not in _TIME:
        _TIME[experiment] = fit_time_model(experiment.trials, experiment.epochs)
    return _TIME[experiment]


def accuracy_model(experiment: Experiment) -> AccuracyModel:
    if experiment not in _ACCURACY:
        _ACCURACY[experiment] = fit_accuracy_model(experiment.trials, experiment.epochs)
    return _ACCURACY[experiment]


__all__ = ["AccuracyModel", "TimeModel", "accuracy_model", "fit_accuracy_model", "fit_time_model", "time_model"]
