"""Each experiment's models, fitted once and shared by every section that reads them."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from reports.evidence.accuracy_model import AccuracyModel, fit_accuracy_model
from reports.evidence.factors import conditional_on
from reports.evidence.lr_batch_surface import LrBatchSurface, fit_lr_batch_surface
from reports.evidence.time_model import TimeModel, fit_time_model
from reports.experiment import Experiment

_TIME: WeakKeyDictionary = WeakKeyDictionary()
_ACCURACY: WeakKeyDictionary = WeakKeyDictionary()
_SURFACE: WeakKeyDictionary = WeakKeyDictionary()


def time_model(experiment: Experiment) -> TimeModel:
    if experiment not in _TIME:
        _TIME[experiment] = fit_time_model(experiment.trials, experiment.epochs)
    return _TIME[experiment]


def accuracy_model(experiment: Experiment) -> AccuracyModel:
    if experiment not in _ACCURACY:
        _ACCURACY[experiment] = fit_accuracy_model(experiment.trials, experiment.epochs,
                                                   conditional_on(experiment.summary))
    return _ACCURACY[experiment]


def lr_batch_surface(experiment: Experiment) -> LrBatchSurface | None:
    if experiment not in _SURFACE:
        _SURFACE[experiment] = fit_lr_batch_surface(experiment.trials, experiment.epochs)
    return _SURFACE[experiment]
