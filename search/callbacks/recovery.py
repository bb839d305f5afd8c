"""One warning line each time a trial loses its node or worker and goes back to its checkpoint."""

from __future__ import annotations

import sys
from typing import Any

from ray import tune

from search.outcome import epochs_of, fail_reason


class RecoveryNotice(tune.Callback):
    """Prints, when Ray sends a trial back to its last checkpoint after a fault, which trial, how
    many of its `max_failures` it has used, and where it resumes (Tune's own traceback is off)."""

    def __init__(self, max_failures: int):
        self._max_failures = max_failures

    def on_trial_recover(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        reason = fail_reason(None, trial.num_failures, True, trial.error_file)
        epoch = epochs_of(trial.last_result) if trial.checkpoint is not None else 0
        resumes = f"resumes after epoch {epoch}" if epoch else "starts again from its first epoch"
        print(f"search.run: warning: trial {trial.trial_id} {reason} (--max-failures {self._max_failures}); it "
              f"{resumes} on the next node that can hold it", file=sys.stderr, flush=True)
