"""Ray Tune's OptunaSearch, telling the Optuna study what really happened to each trial.

Ray's stock searcher tells Optuna COMPLETE for a trial that ASHA stopped, and never
reports the result that stopped it as an intermediate value (Tune hands that result to
`on_trial_complete` only). Here every reported epoch is an intermediate value; early-stopped
trials are PRUNED, full runs COMPLETE, raising trials FAIL; and the user attributes carry
what a reviewer in optuna-dashboard needs (diverged, train_time_s, epochs, parameter count,
Ray trial id). A conditional space is given to Optuna define-by-run (`SearchSpace.suggest`)
and read back into one config key per hyperparameter (`SearchSpace.config_of`). A config
that a finished trial already trained is replayed, not trained (`search.study.reuse`).

A multi-objective (`pareto`) study cannot hold intermediate values in Optuna 5, so there
each epoch's accuracy is kept in the `val_acc_by_epoch` user attribute instead; only
COMPLETE trials get values (accuracy, and the measured training time of the full run).
"""

from __future__ import annotations

from typing import Any

import optuna
from ray import tune
from ray.tune.search.optuna import OptunaSearch

from experiment.schema import COMPLETE, DIVERGED, FAILED
from search import interruption
from search.outcome import (OPTUNA_STATES, epochs_of, fail_reason, first_epoch_s, study_user_attrs, study_values,
                            training_error, trial_outcome)
from search.study.reuse import REUSE_KEY, REUSED_FROM, FinishedTrials, own_metrics
from spaces import SearchSpace

EPOCH_VALUES = "val_acc_by_epoch"  # user attribute of multi-objective studies
FAIL_REASON = "fail_reason"  # user attribute of a FAIL trial: its training's exception, or the fault Ray gave up on


class TruthfulOptunaSearch(OptunaSearch):
    """OptunaSearch whose study shows PRUNED / COMPLETE / FAIL truthfully.

    Args:
        search_space: the space; a grid space is passed to Optuna as fixed distributions (for
            its GridSampler), any other define-by-run.
        metric: `val_acc`, or `["val_acc", "train_time_s"]` for the accuracy–time front.
        max_epochs: epochs of a full run; a trial ending earlier without diverging was pruned.
        baselines: named configurations (e.g. the study's own) to evaluate first and tag with a
            `baseline` user attribute.
        reuse: replay the results of a finished trial with the same configuration instead of training.
        **kwargs: passed to :class:`ray.tune.search.optuna.OptunaSearch`.
    """

    def __init__(self, search_space: SearchSpace, *, metric: str | list[str], max_epochs: int,
                 baselines: dict[str, dict[str, Any]] | None = None, reuse: bool = True, **kwargs: Any):
        self._baselines = baselines or {}
        space = dict(search_space.dimensions) if search_space.grid else search_space.suggest
        points = [search_space.params_of(b) for b in self._baselines.values()] or None
        super().__init__(space=space, metric=metric, points_to_evaluate=points, **kwargs)
        self._search_space = search_space
        self._max_epochs = max_epochs
        self._reuse = reuse
        self._reported_steps: dict[str, set[int]] = {}
        self._results: dict[str, list[dict[str, Any]]] = {}
        self._configs: dict[str, dict[str, Any]] = {}
        self._finished = FinishedTrials()
        self._trial_numbers: dict[str, int] = {}
        self._baseline_names: dict[str, str] = {}
        self._orphans: list[int] = []
        self._pending_tells: list[tuple[int, Any, optuna.trial.TrialState]] = []
        self._resuming: set[str] = set()  # trials sent back to their checkpoint, not started again yet

    @property
    def multi_objective(self) -> bool:
        return isinstance(self.metric, list)

    def suggest(self, trial_id: str) -> dict | None:
        if trial_id in self._configs:
            return self._configs[trial_id]
        if self._resuming:
            return None  # nothing new while a trial waits to resume: it goes first
        if trial_id not in self._ot_trials and self._orphans:
            # Asked before the driver died but never run: give it to this trial instead of asking anew.
            self._ot_trials[trial_id] = self._trial_object(self._orphans.pop(0))
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
        last = history[-1] if history else None  # the last epoch; `result` may report an error instead
        outcome = trial_outcome(result or last, self._max_epochs, error)
        ot_trial = self._ot_trials[trial_id]
        self._completed_trials.add(trial_id)
        if self._already_finished_in_study(ot_trial):
            return  # told before the driver died, after its last saved state
        for name, value in study_user_attrs(last, outcome, self._max_epochs, first_epoch_s(history)).items():
            ot_trial.set_user_attr(name, value)
        if training_error(result):
            ot_trial.set_user_attr(FAIL_REASON, training_error(result))
        values = study_values(last, self.metric) if outcome in (COMPLETE, DIVERGED) else None
        # Told at the next experiment snapshot (`save`), never before Tune has saved that the
        # trial finished: a driver killed in between must not leave the study ahead of Tune.
        self._pending_tells.append((ot_trial.number, values, OPTUNA_STATES[outcome]))
        if outcome != FAILED:
            self._finished.add(trial_id, self._configs.get(trial_id, {}), history)

    def resuming(self, trial_id: str, waits: bool) -> None:
        """Whether a trial Ray sent back to its last checkpoint (its node lost) still waits to start."""
        if waits:
            self._resuming.add(trial_id)
        else:
            self._resuming.discard(trial_id)

    def explain_failure(self, trial_id: str, reason: str) -> None:
        """Give a trial Ray ended with an error its `fail_reason`, before the study is told FAIL."""
        ot_trial = self._ot_trials.get(trial_id)
        if ot_trial is not None and not self._already_finished_in_study(ot_trial):
            ot_trial.set_user_attr(FAIL_REASON, reason)

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
                ot_trial.set_user_attr(FAIL_REASON, "the search ended before this trial reported an epoch")
                self._ot_study.tell(ot_trial, None, state=optuna.trial.TrialState.FAIL)
                self._completed_trials.add(trial_id)
        for number in self._orphans:
            self._ot_study.tell(number, None, state=optuna.trial.TrialState.FAIL)
        self._orphans = []
        self._flush_tells()

    def save(self, checkpoint_path: str) -> None:
        """Ray's save (the snapshot now records every finished trial), then tell Optuna of them."""
        super().save(checkpoint_path)
        self._flush_tells()

    def restore(self, checkpoint_path: str) -> None:
        """Ray's restore, then adopt the study's trials asked after the saved state (none is left RUNNING)."""
        super().restore(checkpoint_path)
        self._flush_tells()  # saved as finished, but the driver died before telling the study
        known = {trial.number for trial in self._ot_trials.values()}
        running = self._ot_study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
        self._orphans = sorted(t.number for t in running if t.number not in known)

    def _report(self, trial_id: str, result: dict) -> None:
        """Each epoch once: an intermediate value at step = epoch (a user attribute if multi-objective)."""
        if training_error(result):
            return  # no epoch: the training raised
        history = self._results.setdefault(trial_id, [])
        step = epochs_of(result)
        if not history or epochs_of(history[-1]) < step:
            history.append(own_metrics(result))
        steps = self._reported_steps.setdefault(trial_id, set())
        if step in steps or result.get("val_acc") is None:
            return
        steps.add(step)
        ot_trial = self._ot_trials[trial_id]
        if self.multi_objective:
            ot_trial.set_user_attr(EPOCH_VALUES, [r.get("val_acc") for r in history])
        else:
            ot_trial.report(float(result[self.metric]), step)

    def _already_finished_in_study(self, ot_trial: optuna.Trial) -> bool:
        return self._ot_study.get_trials(deepcopy=False)[ot_trial.number].state.is_finished()

    def _flush_tells(self) -> None:
        trials = self._ot_study.get_trials(deepcopy=False) if self._pending_tells else []
        for number, values, state in self._pending_tells:
            if not trials[number].state.is_finished():
                self._ot_study.tell(number, values, state=state)
        self._pending_tells = []

    def _trial_object(self, number: int) -> optuna.Trial:
        """A live `optuna.Trial` for a trial of the study that is still RUNNING."""
        frozen = self._ot_study.get_trials(deepcopy=False)[number]
        return optuna.Trial(self._ot_study, frozen._trial_id)  # Optuna's own handle; no public constructor


class CloseStudyAtEnd(tune.Callback):
    """What the searcher learns only from Tune's callbacks: at the end of a search that was not
    interrupted, no trial of the study is left RUNNING; a trial Ray ended with an error goes to
    the study with its `fail_reason`; and while a trial Ray recovered waits to start again,
    the searcher proposes nothing new."""

    def __init__(self, searcher: TruthfulOptunaSearch):
        self._searcher = searcher

    def on_trial_recover(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._searcher.resuming(trial.trial_id, waits=True)

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._searcher.resuming(trial.trial_id, waits=False)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._searcher.resuming(trial.trial_id, waits=False)
        self._searcher.explain_failure(trial.trial_id, fail_reason(None, trial.num_failures, True, trial.error_file))

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        if not interruption.requested():
            self._searcher.close_unfinished()
