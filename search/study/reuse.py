"""No compute spent twice: a configuration that already trained is not trained again.

TPE proposes exact duplicates in categorical spaces (two identical `seed` trials were seen
in one search). Optuna's own advice for duplicates is to return the earlier trial's value;
here the duplicate Ray trial replays the earlier trial's per-epoch results instead of
training, so the scheduler, the Optuna study and the Parquet files all see it as a trial
like any other, marked `reused_from` the trial that did the work. A replay ends where its
source ended: a configuration stopped at epoch k is not trained past k a second time.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ray.tune.result import AUTO_RESULT_KEYS

from trainables.hyperparameters import SEED_KEY

REUSE_KEY = "_reuse"  # config key carrying the source trial and its results to a replaying trial
REUSED_FROM = "reused_from"  # result key: the trial whose results a replay reports


class FinishedTrials:
    """Configurations of finished trials with the results they reported, to find duplicates."""

    def __init__(self) -> None:
        self._finished: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}

    def add(self, trial_id: str, config: dict[str, Any], results: list[dict[str, Any]]) -> None:
        """Remember a finished trial; a trial that reported nothing, or replayed, is no source."""
        if results and REUSE_KEY not in config:
            self._finished[trial_id] = (_without_payload(config), [own_metrics(r) for r in results])

    def find(self, config: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
        """The first finished trial with exactly this configuration (and seed), and its results."""
        wanted = _without_payload(config)
        for trial_id, (seen, results) in self._finished.items():
            if seen == wanted:
                return trial_id, results
        return None


def hyperparameters(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration's hyperparameters: without the reuse payload and a per-trial seed."""
    return {k: v for k, v in config.items() if k not in (REUSE_KEY, SEED_KEY)}


def _without_payload(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k != REUSE_KEY}


def own_metrics(result: dict[str, Any]) -> dict[str, Any]:
    """What the trainable reported, without the keys Ray adds to every result."""
    return {k: v for k, v in result.items() if k not in AUTO_RESULT_KEYS and k not in ("trial_id", "done")}


def replaying(trainable: Callable[..., None]) -> Callable[..., None]:
    """Wrap a function trainable: a config carrying `REUSE_KEY` replays instead of training."""

    @functools.wraps(trainable)
    def run(config: dict[str, Any], **kwargs: Any) -> None:
        reuse = config.get(REUSE_KEY)
        if reuse is None:
            return trainable(config, **kwargs)
        from ray import tune

        for result in reuse["results"]:
            tune.report({**result, REUSED_FROM: reuse["trial_id"]})
        return None

    return run
