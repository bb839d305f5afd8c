"""A one-line live progress view: trials running / done by outcome, best val_acc so far, and the
trials waiting for resources (what they need, what is free)."""

from __future__ import annotations

import math
import re
import sys
import time
from collections import Counter
from typing import Any, TextIO

from ray import tune

from experiment.schema import STATES
from search.callbacks.waiting import WaitWatch
from search.outcome import trial_outcome


WAITED = re.compile(r"waiting \d+ s")
REMIND_S = 30.0  # while trials wait and nothing else changes, the line again after this long


class ProgressLine(tune.Callback):
    """Prints a line whenever the counts, the best accuracy or what waiting trials need change (at
    most every `every_s`), and every `REMIND_S` while trials wait."""

    def __init__(self, max_epochs: int, total: int, every_s: float = 2.0, stream: TextIO | None = None,
                 waits: WaitWatch | None = None):
        self._max_epochs = max_epochs
        self._waits = waits
        self._total = total
        self._every_s = every_s
        self._stream = stream
        self._start = time.monotonic()
        self._last_key = ""
        self._last_print = 0.0

    def setup(self, **info: Any) -> None:
        self._start = time.monotonic()  # a resumed search counts from its own start

    def on_step_end(self, iteration: int, trials: list, **info: Any) -> None:
        line = self.describe(trials)
        now = time.monotonic()
        changed = WAITED.sub("waiting", line) != self._last_key
        if (changed and now - self._last_print >= self._every_s) or (
                WAITED.search(line) and now - self._last_print >= REMIND_S):
            self._print(line, now)

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        self._print(self.describe(trials), time.monotonic())

    def describe(self, trials: list) -> str:
        counts: Counter[str] = Counter()
        best = None
        for trial in trials:
            if trial.status == "RUNNING":
                counts["running"] += 1
            elif trial.status == "ERROR" or (trial.status == "TERMINATED" and trial.has_reported_at_least_once):
                counts[trial_outcome(trial.last_result, self._max_epochs, trial.status == "ERROR")] += 1
            trial_best = trial.metric_analysis.get("val_acc", {}).get("max")
            if trial_best is not None and not math.isnan(trial_best) and (best is None or trial_best > best):
                best = trial_best
        parts = [f"running {counts['running']}"] + [f"{state} {counts[state]}" for state in STATES]
        best_text = f"best val_acc {best:.4f}" if best is not None else "best val_acc -"
        done = sum(counts[state] for state in STATES)
        waiting = self._waits.waiting if self._waits else None
        return (f"trials {done}/{self._total} done | " + " | ".join(parts) + f" | {best_text}"
                + (f" | {waiting.describe()}" if waiting else ""))

    def _print(self, line: str, now: float) -> None:
        # sys.stdout is looked up when printing: Tune pickles its callbacks with the experiment.
        print(f"[{now - self._start:6.0f}s] {line}", file=self._stream or sys.stdout, flush=True)
        self._last_key, self._last_print = WAITED.sub("waiting", line), now
