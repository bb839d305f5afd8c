"""The scheduler's state in Ray Tune's experiment checkpoint, so a resumed search decides as before.

Ray Tune saves the trials, the searcher and the callbacks with every experiment snapshot,
but not the trial scheduler (`TuneController` leaves `_scheduler_alg` out). This callback
carries it: its state is the scheduler's own `save`, and restoring it calls the scheduler's
`restore`, Ray's hooks for exactly this.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from ray import tune
from ray.tune.schedulers import TrialScheduler


class SchedulerState(tune.Callback):
    """Saves `scheduler` with each experiment snapshot and restores it on `Tuner.restore`."""

    def __init__(self, scheduler: TrialScheduler):
        self._scheduler = scheduler

    def get_state(self) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "scheduler.pkl")
            self._scheduler.save(path)
            with open(path, "rb") as stream:
                return {"scheduler": stream.read()}

    def set_state(self, state: dict[str, Any]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "scheduler.pkl")
            with open(path, "wb") as stream:
                stream.write(state["scheduler"])
            self._scheduler.restore(path)
