"""Asynchronous successive halving (ASHA) whose rung decision ranks trials on a signal that separates them.

Ray's `ASHAScheduler` compares the last reported value of one metric against a percentile
cutoff, and continues any trial whose value is not below it. On FER2013 that fails in two
ways: trials that still predict the majority class all report the same accuracy (0.249),
so the cutoff equals their value and every one of them continues to the end; and a single
noisy epoch (batch-norm trials swing most on their first) decides a trial's fate.

`SuccessiveHalving` keeps ASHA's rung bookkeeping (rungs at grace · η^k epochs; at a rung a
trial continues when it is among the top 1/η of the trials recorded there so far) and asks
a `Ranking` to order the trials at a rung. The ranking sees each trial's progress so far
(lowest loss, best accuracy, seconds per epoch), not only its last report. The default,
`loss_then_accuracy`, ranks on the lowest validation loss so far and breaks ties with the
best validation accuracy so far; `search.scheduling.moasha.pareto_ranking` ranks on that and on
training time together.

Why the loss: after one or two epochs the lowest validation loss so far predicts a trial's
final accuracy better than its best accuracy so far, and it tells apart the trials still tied
at the majority class; a best-so-far signal also means one noisy epoch cannot undo the progress
before it. The measurements behind this, and behind `full`'s first rung at epoch 1, are in
benchmarks/RESULTS.md ("Rung signal" and "Recorded learning curves and the simulator").
"""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass, replace
from typing import Any, Callable

from ray.tune.experiment import Trial
from ray.tune.schedulers import FIFOScheduler, TrialScheduler

from experiment.full_run import full_run_time_s
from search.outcome import training_error


@dataclass(frozen=True)
class Progress:
    """What one trial has shown so far: the best of each signal, and its pace."""

    epochs: int = 0
    best_acc: float | None = None
    best_loss: float | None = None
    train_time_s: float = 0.0
    first_epoch_s: float | None = None

    def updated(self, result: dict[str, Any]) -> "Progress":
        acc, loss = result.get("val_acc"), result.get("val_loss")
        epochs = int(result.get("epoch") or result.get("training_iteration") or self.epochs)
        first = self.first_epoch_s
        if epochs == 1 and result.get("epoch_time_s") is not None:
            first = float(result["epoch_time_s"])
        return replace(
            self,
            epochs=epochs, first_epoch_s=first,
            best_acc=acc if self.best_acc is None or (acc is not None and acc > self.best_acc) else self.best_acc,
            best_loss=loss if self.best_loss is None or (loss is not None and loss < self.best_loss)
            else self.best_loss,
            train_time_s=float(result.get("train_time_s") or self.train_time_s),
        )

    def full_run_time_s(self, max_epochs: int) -> float | None:
        """Training time of a full run, projected from the epochs measured so far: the first
        epoch as it was (it carries warm-up: CUDA context, cuDNN autotuning, caches) plus the
        mean of the later ones for each epoch still to come; from the first alone until there
        is a later one."""
        return full_run_time_s(self.train_time_s, self.epochs, max_epochs, self.first_epoch_s) if self.epochs else None

    def seconds_per_epoch(self) -> float:
        """Mean seconds per epoch so far (inf before the first): a pace, for rankings."""
        return self.train_time_s / self.epochs if self.epochs else math.inf


TOO_SLOW = "too slow"  # why a trial stopped: its projected full run exceeds the time limit

# A ranking maps the trials recorded at one rung to sort keys: lower is better.
Ranking = Callable[[dict[str, Progress]], dict[str, tuple]]


def loss_first(progress: Progress) -> tuple[float, float]:
    """(lowest validation loss so far, −best accuracy so far): lower is better; unknowns rank last."""
    return (_lowest_loss(progress), -_best_accuracy(progress))


def accuracy_first(progress: Progress) -> tuple[float, float]:
    """(−best accuracy so far, lowest validation loss so far): lower is better; unknowns rank last."""
    return (-_best_accuracy(progress), _lowest_loss(progress))


def _lowest_loss(progress: Progress) -> float:
    """The lowest loss so far; inf when unknown or NaN (a diverged epoch), so it ranks last."""
    loss = progress.best_loss
    return math.inf if loss is None or math.isnan(loss) else loss


def _best_accuracy(progress: Progress) -> float:
    return progress.best_acc if progress.best_acc is not None else -math.inf


def loss_then_accuracy(recorded: dict[str, Progress]) -> dict[str, tuple]:
    """Lowest validation loss so far, ties broken by the best validation accuracy so far."""
    return {trial_id: loss_first(p) for trial_id, p in recorded.items()}


def accuracy_then_loss(recorded: dict[str, Progress]) -> dict[str, tuple]:
    """Best validation accuracy so far, ties (trials still at the majority class) broken by the lowest loss."""
    return {trial_id: accuracy_first(p) for trial_id, p in recorded.items()}


def accuracy_only(recorded: dict[str, Progress]) -> dict[str, tuple]:
    """Best validation accuracy so far (ASHA's usual signal), ties left tied."""
    return {trial_id: (-_best_accuracy(p),) for trial_id, p in recorded.items()}


RANKINGS: dict[str, Ranking] = {"loss": loss_then_accuracy, "accuracy": accuracy_only,
                                "accuracy_then_loss": accuracy_then_loss}
"""The rankings at a rung, by name: the search uses "loss"; the simulator compares the others."""


class Rungs:
    """The rungs of one successive-halving bracket: who reached each, and the decision there.

    Pure bookkeeping, so a decision can be checked on numbers written by hand.
    """

    def __init__(self, milestones: list[int], reduction_factor: float, ranking: Ranking):
        self.milestones = sorted(milestones)
        self.reduction_factor = reduction_factor
        self.ranking = ranking
        self.recorded: dict[int, dict[str, Progress]] = {m: {} for m in self.milestones}

    def decide(self, trial_id: str, progress: Progress) -> bool:
        """True to continue. At the highest rung reached and not yet recorded, record and rank."""
        reached = [m for m in self.milestones if progress.epochs >= m]
        if not reached or trial_id in self.recorded[reached[-1]]:
            return True
        rung = self.recorded[reached[-1]]
        rung[trial_id] = progress
        return continues(self.ranking(rung), trial_id, self.reduction_factor)

    def forget(self, trial_id: str) -> None:
        """Take a trial off every rung: it no longer competes (it cannot fit the time limit)."""
        for rung in self.recorded.values():
            rung.pop(trial_id, None)


def continues(keys: dict[str, tuple], trial_id: str, reduction_factor: float) -> bool:
    """The rung rule: a trial goes on when fewer than ⌈n/η⌉ of the n trials at its rung rank
    strictly above it (so trials tied at the cut all go on)."""
    better = sum(1 for other, key in keys.items() if other != trial_id and key < keys[trial_id])
    return better < math.ceil(len(keys) / reduction_factor)


class SuccessiveHalving(FIFOScheduler):
    """ASHA over epochs with a pluggable ranking at each rung, and an optional time limit; a
    trial resuming from its checkpoint starts before new ones.

    Args:
        max_t: epochs of a full run; a trial reaching it stops.
        grace_period: the first rung, in epochs.
        reduction_factor: η; rungs at grace · η^k below `max_t`, top 1/η continue at each.
        ranking: orders the trials at a rung (default: loss, then accuracy).
        max_full_run_time_s: stop a trial as soon as its projected full-run training time
            (`Progress.full_run_time_s`) exceeds this, from its second epoch on (its first
            alone only when it exceeds the limit by itself); None for no limit. A trial stopped
            for it leaves the rungs, so the trials that fit are ranked among themselves.

    Example:
        >>> scheduler = SuccessiveHalving(max_t=9, grace_period=1, reduction_factor=3)
        >>> scheduler.rungs.milestones
        [1, 3]
    """

    def __init__(self, max_t: int, grace_period: int = 1, reduction_factor: float = 3,
                 ranking: Ranking = loss_then_accuracy, max_full_run_time_s: float | None = None):
        super().__init__()
        if grace_period < 1:
            raise ValueError(f"The value of `grace_period` is {grace_period}, but must be `grace_period >= 1`")
        if max_t < grace_period:
            raise ValueError(f"The value of `max_t` is {max_t}, but must be `max_t >= grace_period` ({grace_period})")
        if reduction_factor < 2:
            raise ValueError(f"The value of `reduction_factor` is {reduction_factor}, but must be "
                             "`reduction_factor >= 2`")
        self.max_t = max_t
        self.max_full_run_time_s = max_full_run_time_s
        milestones, rung = [], grace_period
        while rung < max_t:
            milestones.append(rung)
            rung = int(math.ceil(rung * reduction_factor))
        self.rungs = Rungs(milestones, reduction_factor, ranking)
        self.progress: dict[str, Progress] = {}
        self.stopped: dict[str, str] = {}  # trial_id → why

    def set_search_properties(self, metric: str | None, mode: str | None, **spec: Any) -> bool:
        return True  # the ranking names its own signals

    def on_trial_result(self, tune_controller: Any, trial: Trial, result: dict) -> str:
        if training_error(result):
            return TrialScheduler.CONTINUE  # no epoch; the trial ends as it reported
        progress = self._update(trial.trial_id, result)
        if progress.epochs >= self.max_t:
            return TrialScheduler.STOP
        if self._too_slow(progress):
            # it cannot give a model within the limit: it must not push one that can off a rung
            self.stopped[trial.trial_id] = TOO_SLOW
            self.rungs.forget(trial.trial_id)
            return TrialScheduler.STOP
        if not self.rungs.decide(trial.trial_id, progress):
            self.stopped[trial.trial_id] = "rung"
            return TrialScheduler.STOP
        return TrialScheduler.CONTINUE

    def choose_trial_to_run(self, tune_controller: Any) -> Trial | None:
        """A trial waiting to resume from its checkpoint (its node was lost) before a new one.

        Ray requeues a recovered trial behind the trials created since; FIFO order among
        the resumed, then among the new, is kept."""
        pending = [t for t in tune_controller.get_trials() if t.status == Trial.PENDING]
        resumed = [t for t in pending if t.checkpoint is not None]
        if resumed or pending:
            return (resumed or pending)[0]
        return super().choose_trial_to_run(tune_controller)  # a paused trial, if any

    def _too_slow(self, progress: Progress) -> bool:
        """The projected full run exceeds the limit. The first epoch alone carries warm-up, so
        it stops a trial only when it has used up the limit by itself; from the second epoch
        on, the projection decides."""
        if self.max_full_run_time_s is None or not progress.epochs:
            return False
        if progress.epochs == 1 and self.max_t > 1:
            return progress.train_time_s > self.max_full_run_time_s
        return progress.full_run_time_s(self.max_t) > self.max_full_run_time_s

    def on_trial_complete(self, tune_controller: Any, trial: Trial, result: dict) -> None:
        if result and not training_error(result) and self.stopped.get(trial.trial_id) != TOO_SLOW:
            self.rungs.decide(trial.trial_id, self._update(trial.trial_id, result))

    def _update(self, trial_id: str, result: dict) -> Progress:
        self.progress[trial_id] = self.progress.get(trial_id, Progress()).updated(result)
        return self.progress[trial_id]

    def debug_string(self) -> str:
        return "SuccessiveHalving: " + " | ".join(
            f"epoch {m}: {len(rung)} trials" for m, rung in self.rungs.recorded.items())

    def save(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "wb") as stream:
            pickle.dump(self.__dict__, stream)

    def restore(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "rb") as stream:
            self.__dict__.update(pickle.load(stream))
