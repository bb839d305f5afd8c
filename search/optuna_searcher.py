"""Ray Tune's OptunaSearch, telling the Optuna study what really happened to each trial.

Ray's stock searcher tells Optuna COMPLETE for a trial that ASHA stopped, and never
reports the result that stopped it as an intermediate value (Tune hands that result to
`on_trial_complete` only). Here every reported epoch is an intermediate value; ASHA-stopped
trials are PRUNED, full runs COMPLETE, raising trials FAIL; and the user attributes carry
what a reviewer in optuna-dashboard needs (diverged, train_time_s, epochs, parameter count,
Ray trial id). A conditional space is given to Optuna define-by-run (`SearchSpace.suggest`)
and read back into one config key per hyperparameter (`SearchSpace.config_of`). A config
that a finished trial already trained is replayed, not trained (`search.reuse`).
"""

from __future__ import annotations

from typing import Any

import optuna
from ray.tune.search.optuna import OptunaSearch

from search.outcome import COMPLETE, DIVERGED, FAILED, PRUNED, epochs_of, trial_outcome
from search.reuse import REUSE_KEY, REUSED_FROM, FinishedTrials, own_metrics
from spaces import SearchSpace

_OPTUNA_STATE = {COMPLETE: optuna.trial.TrialState.COMPLETE, DIVERGED: optuna.trial.TrialState.COMPLETE,
                 PRUNED: optuna.trial.TrialState.PRUNED, FAILED: optuna.trial.TrialState.FAIL}
USER_ATTRS = ("train_time_s", "param_count", "precision")


class TruthfulOptunaSearch(OptunaSearch):
    """OptunaSearch whose study shows PRUNED / COMPLETE / FAIL truthfully.

    Args:
        search_space: the space; a grid space is passed to Optuna as fixed distributions (for
            its GridSampler), any other define-by-run.
        max_epochs: epochs of a full run; a trial ending earlier without diverging was pruned.
        baselines: named configurations (e.g. the study's own) to evaluate first and tag with a
            `baseline` user attribute.
        reuse: replay the results of a finished trial with the same configuration instead of training.
        **kwargs: passed to :class:`ray.tune.search.optuna.OptunaSearch`.
    """

    def __init__(self, search_space: SearchSpace, *, max_epochs: int,
                 baselines: dict[str, dict[str, Any]] | None = None, reuse: bool = True, **kwargs: Any):
        self._baselines = baselines or {}
        space = dict(search_space.dimensions) if search_space.grid else search_space.suggest
        points = [search_space.params_of(b) for b in self._baselines.values()] or None
        super().__init__(space=space, points_to_evaluate=points, **kwargs)
        self._search_space = search_space
        self._max_epochs = max_epochs
        self._reuse = reuse
        self._reported_steps: dict[str, set[int]] = {}
        self._results: dict[str, list[dict[str, Any]]] = {}
        self._configs: dict[str, dict[str, Any]] = {}
        self._finished = FinishedTrials()
        self._trial_numbers: dict[str, int] = {}
        self._baseline_names: dict[str, str] = {}

    def suggest(self, trial_id: str) -> dict | None:
        if trial_id in self._configs:
            return self._configs[trial_id]
        super().suggest(trial_id)
        ot_trial = self._ot_trials[trial_id]
        config = self._search_space.config_of(ot_trial.params)
        self._trial_numbers[trial_id] = ot_trial.number
        ot_trial.set_user_attr("ray_trial_id", trial_id)
        for name, baseline in self._baselines.items():
            if all(config.get(k) == v for k, v in baseline.items()):
                ot_trial.set_user_attr("baseline", name)
                self._baseline_names[trial_id] = name
                break
        source = self._finished.find(config) if self._reuse else None
        if source is not None:
            source_id, results = source
            ot_trial.set_user_attr(REUSED_FROM, source_id)
            config = {**config, REUSE_KEY: {"trial_id": source_id, "results": results}}
        self._configs[trial_id] = config
        return config

    def optuna_trial_number(self, trial_id: str) -> int | None:
        return self._trial_numbers.get(trial_id)

    def baseline_of(self, trial_id: str) -> str | None:
        return self._baseline_names.get(trial_id)

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        self._report(trial_id, result)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        if trial_id in self._completed_trials or trial_id not in self._ot_trials:
            return
        if result and not error:
            self._report(trial_id, result)
        history = self._results.get(trial_id, [])
        last = result or (history[-1] if history else None)
        outcome = trial_outcome(last, self._max_epochs, error)
        ot_trial = self._ot_trials[trial_id]
        ot_trial.set_user_attr("diverged", outcome == DIVERGED)
        ot_trial.set_user_attr("epochs", epochs_of(last) if last else 0)
        for name in USER_ATTRS:
            if last and last.get(name) is not None:
                ot_trial.set_user_attr(name, last[name])
        value = last[self.metric] if outcome in (COMPLETE, DIVERGED) else None
        self._ot_study.tell(ot_trial, value, state=_OPTUNA_STATE[outcome])
        self._completed_trials.add(trial_id)
        if not error:
            self._finished.add(trial_id, self._configs.get(trial_id, {}), history)

    def close_unfinished(self) -> None:
        """Tell the study about trials Tune never completed because the search ended (time budget).

        One that reported epochs is PRUNED (or COMPLETE if it had reached the last epoch);
        one that never reported an epoch is FAIL, with a `fail_reason`, so no trial stays RUNNING.
        """
        for trial_id, ot_trial in list(self._ot_trials.items()):
            if trial_id in self._completed_trials:
                continue
            if self._results.get(trial_id):
                self.on_trial_complete(trial_id)
            else:
                ot_trial.set_user_attr("fail_reason", "the search ended before this trial reported an epoch")
                self._ot_study.tell(ot_trial, None, state=optuna.trial.TrialState.FAIL)
                self._completed_trials.add(trial_id)

    def _report(self, trial_id: str, result: dict) -> None:
        """Each epoch once, as an intermediate value at step = epoch."""
        history = self._results.setdefault(trial_id, [])
        step = epochs_of(result)
        if not history or epochs_of(history[-1]) < step:
            history.append(own_metrics(result))
        steps = self._reported_steps.setdefault(trial_id, set())
        if step not in steps and result.get(self.metric) is not None:
            self._ot_trials[trial_id].report(float(result[self.metric]), step)
            steps.add(step)
