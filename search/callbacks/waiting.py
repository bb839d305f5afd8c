"""Trials waiting for resources: what they need, what the cluster has free, and a bound on it.

A trial waits when no node can give it its CPUs and GPUs: the nodes are busy (ordinary
queueing), gone (a lost GPU worker not replaced yet) or never had them. Ray Tune asks for each
trial's resources with a placement group; one that Ray has not placed is a request waiting for
resources (Ray marks it infeasible when no node of the cluster could ever hold it). `WaitWatch`
says so in the progress line ("waiting 40 s: 2 trials need GPU 0.5, none free") and, when trials
have waited `max_wait_s` with none of them running, nothing trains and nothing will until the
cluster changes: `StopWhenStalled`, a Ray Tune stopper, then ends the search, and `stall()`
says why (the watch may be one Tune restored from a snapshot, so the reason is the process's).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import ray
from ray import tune
from ray.tune.experiment import Trial

NOTICE_S = 5.0  # a resource request unplaced this long is waiting; shorter is Ray placing it
CHECK_EVERY_S = 2.0  # how often Ray is asked about requests and free resources while trials are pending

_stall: list[str] = []  # why the last search in this process was stopped for waiting, if it was


def stall() -> str | None:
    """Why the search that just ended was stopped for waiting too long (None if it was not)."""
    return _stall[-1] if _stall else None


@dataclass(frozen=True)
class Waiting:
    """Trials not started, what each needs, what is free in the cluster, and whether no node could
    ever hold one (`infeasible`)."""

    trials: int
    seconds: float
    need: dict[str, float]
    free: dict[str, float]
    infeasible: bool = False

    def describe(self) -> str:
        """"waiting 40 s: 2 trials need GPU 0.5, none free": the resources that are short, or all of them."""
        short = {name: amount for name, amount in self.need.items() if self.free.get(name, 0.0) < amount}
        shown = short or self.need
        need = " + ".join(f"{name} {amount:g}" for name, amount in shown.items())
        verb = "needs" if self.trials == 1 else "need"
        text = f"waiting {self.seconds:.0f} s: {self.trials} trial{'' if self.trials == 1 else 's'} {verb} {need}"
        if short:
            free = [self.free.get(name, 0.0) for name in short]
            text += ", none free" if not any(free) else ", free " + " + ".join(
                f"{name} {amount:g}" for name, amount in zip(short, free))
        return text + (", and no node of the cluster has that much" if self.infeasible else "")


class WaitWatch(tune.Callback):
    """Follows the trials waiting for resources, and stops the search after `max_wait_s` of only waiting.

    Args:
        max_wait_s: seconds during which trials wait and none runs before the search is
            stopped; None waits forever.
        clock: monotonic seconds (a test may pass its own).
    """

    def __init__(self, max_wait_s: float | None, clock: Callable[[], float] = time.monotonic):
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._stalled_since: float | None = None
        self._waiting_since: float | None = None
        self._checked_at = -float("inf")
        self._requests: list[dict[str, Any]] = []
        self._free: dict[str, float] = {}
        self.waiting: Waiting | None = None

    def setup(self, **info: Any) -> None:
        _stall.clear()
        self._stalled_since = self._waiting_since = None  # a resumed search waits from its own start

    def on_step_end(self, iteration: int, trials: list, **info: Any) -> None:
        now = self._clock()
        pending = [t for t in trials if t.status == Trial.PENDING]
        running = any(t.status == Trial.RUNNING for t in trials)
        self._stalled_since = (self._stalled_since if self._stalled_since is not None else now) \
            if pending and not running else None
        if not pending:
            self._waiting_since, self.waiting = None, None
            return
        need = pending[0].placement_group_factory  # one request for every trial of a search
        if now - self._checked_at >= CHECK_EVERY_S:
            self._requests, self._free, self._checked_at = _unplaced(need.bundles), ray.available_resources(), now
        if not self._requests and not self._exceeded(now):
            self._waiting_since, self.waiting = None, None  # their resources are there: Ray is starting them
            return
        self._waiting_since = self._waiting_since if self._waiting_since is not None else now
        if now - self._waiting_since < NOTICE_S and not self._exceeded(now):
            return
        self.waiting = Waiting(trials=len(pending), seconds=now - self._waiting_since,
                               need={k: v for k, v in need.required_resources.items() if v}, free=self._free,
                               infeasible=any(r["stats"]["scheduling_state"] == "INFEASIBLE" for r in self._requests))
        if self._exceeded(now) and not _stall:
            _stall.append(f"for {now - self._stalled_since:.0f} s no trial ran (--max-wait-s {self.max_wait_s:g}): "
                          + self.waiting.describe().split(": ", 1)[1])

    def _exceeded(self, now: float) -> bool:
        return (self.max_wait_s is not None and self._stalled_since is not None
                and now - self._stalled_since >= self.max_wait_s)


class StopWhenStalled(tune.Stopper):
    """Ray Tune's stopper that ends the whole search once a `WaitWatch` has found it stalled."""

    def __call__(self, trial_id: str, result: dict) -> bool:
        return False

    def stop_all(self) -> bool:
        return stall() is not None


def _unplaced(bundles: list[dict[str, float]]) -> list[dict[str, Any]]:
    """Ray's placement groups for these bundles (a trial's request) that wait to be placed."""
    wanted = [_nonzero(bundle) for bundle in bundles]
    return [group for group in ray.util.placement_group_table().values()
            if group["state"] == "PENDING" and [_nonzero(b) for b in group["bundles"].values()] == wanted]


def _nonzero(bundle: dict[str, float]) -> dict[str, float]:
    return {name: float(amount) for name, amount in bundle.items() if amount}
