"""A search replayed on a virtual clock: N trial slots, each epoch taking the seconds its
configuration's curve says, and the strategy's own sampler and early-stopping code deciding.

The same pieces `search.run` uses decide here — Optuna's samplers through ask/tell with the
space's define-by-run suggestions, the project's `SuccessiveHalving` (and its MOASHA ranking),
Ray's `ASHAScheduler`, Optuna's pruners — called with what the trials would have reported. A
configuration's curve comes from a function (the recorded table, or a surrogate fitted on it),
so a strategy can be run for many seeds in seconds.

Events happen in time order: a slot that frees takes the next proposal at once; when the
budget runs out, no trial starts and the running ones stop (as Tune's `time_budget_s`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Protocol

import numpy as np
import optuna
from optuna.trial import TrialState
from ray.tune.schedulers import ASHAScheduler, TrialScheduler

from experiment.schema import COMPLETE, DIVERGED, PRUNED
from search.options import OBJECTIVES
from search.outcome import OPTUNA_STATES, study_user_attrs, study_values, trial_outcome
from search.scheduling import SuccessiveHalving
from spaces.space import SearchSpace


@dataclass(frozen=True)
class Curve:
    """One configuration trained to the end: per epoch, its accuracy, loss and seconds. A curve
    shorter than the search's epochs diverged after its last epoch (a non-finite loss)."""

    val_acc: np.ndarray
    val_loss: np.ndarray
    seconds: np.ndarray


CurveFn = Callable[[dict[str, Any]], Curve]


@dataclass(frozen=True)
class Report:
    """One epoch a trial reported, at the virtual time it finished."""

    time_s: float
    trial: int
    epoch: int
    val_acc: float
    val_loss: float
    seconds: float


@dataclass(frozen=True)
class FullRun:
    """A trial that trained every epoch: when it ended, what its training took, what it reached.
    A replayed duplicate took no time of the search's, but its run is the one it replays."""

    trial: int
    ended_s: float
    train_time_s: float
    best_val_acc: float
    last_val_acc: float


@dataclass
class Trace:
    """What a simulated search did: every reported epoch, each trial's configuration and fate,
    and its full runs."""

    reports: list[Report] = field(default_factory=list)
    configs: dict[int, dict[str, Any]] = field(default_factory=dict)
    stopped_early: set[int] = field(default_factory=set)
    full_runs: list[FullRun] = field(default_factory=list)

    def best_by(self, time_s: float) -> float:
        """The best validation accuracy reported by `time_s` (NaN before the first report)."""
        values = [r.val_acc for r in self.reports if r.time_s <= time_s]
        return max(values) if values else math.nan

    def compute_to_reach(self, target: float) -> float:
        """Training seconds spent over all slots until some epoch reached `target` (inf if never)."""
        spent = 0.0
        for report in sorted(self.reports, key=lambda r: r.time_s):
            spent += report.seconds
            if report.val_acc >= target:
                return spent
        return math.inf


class Stopper(Protocol):
    """Early stopping: told each epoch, answers whether the trial goes on."""

    def keep(self, trial: int, epoch: int, val_acc: float, val_loss: float, train_time_s: float,
             epoch_time_s: float, optuna_trial: optuna.Trial | None) -> bool: ...


class NoStopping:
    def keep(self, *args: Any, **kwargs: Any) -> bool:
        return True


class ProjectHalving:
    """The project's successive halving, the very class `search.run` schedules with."""

    def __init__(self, scheduler: SuccessiveHalving):
        self.scheduler = scheduler

    def keep(self, trial: int, epoch: int, val_acc: float, val_loss: float, train_time_s: float,
             epoch_time_s: float, optuna_trial: optuna.Trial | None) -> bool:
        result = {"epoch": epoch, "val_acc": val_acc, "val_loss": val_loss, "train_time_s": train_time_s,
                  "epoch_time_s": epoch_time_s}
        action = self.scheduler.on_trial_result(None, SimpleNamespace(trial_id=str(trial)), result)
        return action == TrialScheduler.CONTINUE


class RayAsha:
    """Ray Tune's stock ASHA on the last validation accuracy (Ray's own class)."""

    def __init__(self, max_t: int, grace_period: int, reduction_factor: int):
        self.scheduler = ASHAScheduler(time_attr="training_iteration", metric="val_acc", mode="max", max_t=max_t,
                                       grace_period=grace_period, reduction_factor=reduction_factor)
        self.added: set[int] = set()

    def keep(self, trial: int, epoch: int, val_acc: float, val_loss: float, train_time_s: float,
             epoch_time_s: float, optuna_trial: optuna.Trial | None) -> bool:
        handle = SimpleNamespace(trial_id=str(trial))
        if trial not in self.added:
            self.scheduler.on_trial_add(None, handle)
            self.added.add(trial)
        action = self.scheduler.on_trial_result(None, handle, {"training_iteration": epoch, "val_acc": val_acc})
        return action == TrialScheduler.CONTINUE


class OptunaPruning:
    """An Optuna pruner (e.g. `HyperbandPruner`), asked through the trial as an Optuna script does."""

    def keep(self, trial: int, epoch: int, val_acc: float, val_loss: float, train_time_s: float,
             epoch_time_s: float, optuna_trial: optuna.Trial | None) -> bool:
        return not optuna_trial.should_prune()


def simulate(space: SearchSpace, study: optuna.Study, stopper: Stopper, curves: CurveFn, *, slots: int,
             budget_s: float, max_epochs: int, samples: int, reuse: bool = False) -> Trace:
    """Run one search on the virtual clock and return its trace.

    `study` holds the sampler (and pruner); trials are asked define-by-run from `space` (queued
    ones first, e.g. the study's baselines). Each epoch is reported to Optuna as an
    intermediate value, so samplers see pruned trials as `search.run`'s truthful study shows
    them. How a trial ended, and what the study is told of it, is decided by the search's own
    `search.outcome`: a diverged trial is one whose curve ends before the search's last epoch.
    With `reuse`, a configuration a finished trial already trained costs nothing: its results
    are taken again at once, as `search.run` replays duplicates.
    """
    trace, running, clock, started = Trace(), [], 0.0, 0
    finished: dict[tuple, tuple[Curve, int]] = {}
    two_objectives = len(study.directions) > 1
    metric = OBJECTIVES["pareto" if two_objectives else "accuracy"][0]

    def start(now: float) -> None:
        nonlocal started
        while len(running) < slots and started < samples and now < budget_s:
            optuna_trial = study.ask()
            space.suggest(optuna_trial)
            config = space.config_of(optuna_trial.params)
            number, started = optuna_trial.number, started + 1
            trace.configs[number] = config
            key = tuple(sorted(config.items()))
            if reuse and key in finished:  # replayed, not trained: no time passes
                curve, epochs = finished[key]
                _replay(trace, study, optuna_trial, curve, epochs, now, max_epochs, metric)
                continue
            curve = curves(config)
            heapq.heappush(running, (now + float(curve.seconds[0]), number, 1, optuna_trial, curve, 0.0, key))

    start(clock)
    while running:
        clock, number, epoch, optuna_trial, curve, train_time, key = heapq.heappop(running)
        if clock > budget_s:  # the budget ran out while this epoch was training
            _tell(study, optuna_trial, None, TrialState.PRUNED)
            trace.stopped_early.add(number)
            for other in running:
                _tell(study, other[3], None, TrialState.PRUNED)
                trace.stopped_early.add(other[1])
            break
        seconds = float(curve.seconds[epoch - 1])
        acc, loss = float(curve.val_acc[epoch - 1]), float(curve.val_loss[epoch - 1])
        train_time += seconds
        trace.reports.append(Report(clock, number, epoch, acc, loss, seconds))
        if not two_objectives:
            optuna_trial.report(acc, epoch)
        keep = stopper.keep(number, epoch, acc, loss, train_time, seconds, optuna_trial)
        if keep and epoch < max_epochs and epoch < len(curve.val_acc):
            heapq.heappush(running, (clock + float(curve.seconds[epoch]), number, epoch + 1, optuna_trial, curve,
                                     train_time, key))
            continue
        _end(trace, study, optuna_trial, curve, _result(curve, epoch, train_time, max_epochs), clock, max_epochs,
             metric)
        finished[key] = (curve, epoch)
        start(clock)
    return trace


def _replay(trace: Trace, study: optuna.Study, optuna_trial: optuna.Trial, curve: Curve, epochs: int, now: float,
            max_epochs: int, metric: str | list[str]) -> None:
    for epoch in range(1, epochs + 1):
        trace.reports.append(Report(now, optuna_trial.number, epoch, float(curve.val_acc[epoch - 1]),
                                    float(curve.val_loss[epoch - 1]), 0.0))
        if isinstance(metric, str):
            optuna_trial.report(float(curve.val_acc[epoch - 1]), epoch)
    result = _result(curve, epochs, float(curve.seconds[:epochs].sum()), max_epochs)
    _end(trace, study, optuna_trial, curve, result, now, max_epochs, metric)


def _result(curve: Curve, epoch: int, train_time_s: float, max_epochs: int) -> dict[str, Any]:
    """What the trial reported at `epoch`, as the trainable reports it; a curve that ends before
    the search's last epoch diverged after this one."""
    return {"epoch": epoch, "val_acc": float(curve.val_acc[epoch - 1]), "train_time_s": train_time_s,
            "diverged": len(curve.val_acc) <= epoch < max_epochs}


def _end(trace: Trace, study: optuna.Study, optuna_trial: optuna.Trial, curve: Curve, last: dict[str, Any],
         now: float, max_epochs: int, metric: str | list[str]) -> None:
    """Tell the study how the trial ended and what it measured, as `search.run`'s study is told
    (the user attributes too: `--max-train-time-s`'s constraint reads them); note it in the trace."""
    outcome = trial_outcome(last, max_epochs, errored=False)
    for name, value in study_user_attrs(last, outcome, max_epochs, float(curve.seconds[0])).items():
        optuna_trial.set_user_attr(name, value)
    values = study_values(last, metric) if outcome in (COMPLETE, DIVERGED) else None
    study.tell(optuna_trial, values, state=OPTUNA_STATES[outcome])
    if outcome == PRUNED:
        trace.stopped_early.add(optuna_trial.number)
    elif outcome == COMPLETE:
        epochs = last["epoch"]
        trace.full_runs.append(FullRun(optuna_trial.number, now, last["train_time_s"],
                                       float(np.max(curve.val_acc[:epochs])), last["val_acc"]))


def _tell(study: optuna.Study, trial: optuna.Trial, values: Any, state: TrialState) -> None:
    study.tell(trial, values if state == TrialState.COMPLETE else None, state=state)
