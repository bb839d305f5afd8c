"""The Tune callback that hands a requested stop (`search.interruption`) to Ray Tune."""

from __future__ import annotations

import os
import signal
from typing import Any

from ray import tune

from search import interruption


class ForwardInterruption(tune.Callback):
    """Passes a requested stop to Ray Tune (SIGUSR1) at the start of a tuning step, once."""

    def on_step_begin(self, iteration: int, trials: list, **info: Any) -> None:
        if interruption.take_forward():
            os.kill(os.getpid(), signal.SIGUSR1)
