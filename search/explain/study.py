"""The explain experiment's runs as an Optuna study, reviewable in optuna-dashboard like a search.

Each finished run becomes one trial: its hyperparameters as parameters, its last validation
accuracy as the value (COMPLETE; a run that diverged is COMPLETE with `diverged`, one that
raised is FAIL), every epoch's accuracy as an intermediate value, and its seed, arms and Ray
trial id as user attributes. Trials are added when runs finish, with fixed parameters, so no
sampler is involved; a resumed experiment adds only the runs not yet in the study.
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from ray import tune

from search.explain.design import Run, config_key
from search.outcome import OPTUNA_STATES, epochs_of, trial_outcome
from trainables.hyperparameters import BY_NAME, NAMES, SEED_KEY

ARMS_ATTR, SEED_ATTR, RAY_TRIAL_ATTR = "arms", "seed", "ray_trial_id"


def distributions(runs: list[Run]) -> dict[str, BaseDistribution]:
    """One distribution per hyperparameter, wide enough for every run's value (the study needs a
    single distribution per parameter name across its trials)."""
    found: dict[str, BaseDistribution] = {}
    for name in NAMES:
        values = [run.config[name] for run in runs]
        row = BY_NAME[name]
        if row.values is not None:
            found[name] = CategoricalDistribution(row.values)
        elif row.kind is int:
            found[name] = IntDistribution(int(min(values)), int(max(values)), log=min(values) > 0)
        else:
            found[name] = FloatDistribution(float(min(values)), float(max(values)), log=min(values) > 0)
    return found


def add_run(study: optuna.Study, run: Run, history: list[dict[str, Any]], max_epochs: int, errored: bool,
            ray_trial_id: str, dists: dict[str, BaseDistribution]) -> None:
    """Record one finished run as a trial of `study`."""
    last = history[-1] if history else None
    outcome = trial_outcome(last, max_epochs, errored)
    state = OPTUNA_STATES[outcome]
    value = float(last["val_acc"]) if state == optuna.trial.TrialState.COMPLETE and last else None
    study.add_trial(optuna.trial.create_trial(
        state=state, value=value, params={name: run.config[name] for name in NAMES}, distributions=dists,
        intermediate_values={epochs_of(r): float(r["val_acc"]) for r in history if r.get("val_acc") is not None},
        user_attrs={ARMS_ATTR: list(run.arms), SEED_ATTR: run.seed, RAY_TRIAL_ATTR: ray_trial_id,
                    "state": outcome, "epochs": epochs_of(last) if last else 0,
                    "train_time_s": (last or {}).get("train_time_s")}))


class ExplainStudy(tune.Callback):
    """Adds each run of the explain experiment to its Optuna study as it finishes."""

    def __init__(self, storage_url: str, study_name: str, runs: list[Run], max_epochs: int):
        self._storage_url, self._study_name, self._max_epochs = storage_url, study_name, max_epochs
        self._runs = {(config_key(run.config), run.seed): run for run in runs}
        self._dists = distributions(runs)
        self._history: dict[str, list[dict[str, Any]]] = {}

    def get_state(self) -> dict[str, Any]:
        return {"history": self._history}

    def set_state(self, state: dict[str, Any]) -> None:
        self._history = state["history"]

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        history = self._history.setdefault(trial.trial_id, [])
        epoch = epochs_of(result)
        history[:] = [r for r in history if epochs_of(r) < epoch] + [
            {k: result.get(k) for k in ("epoch", "val_acc", "train_time_s", "diverged")}]

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._finish(trial, errored=False)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._finish(trial, errored=True)

    def _finish(self, trial: Any, errored: bool) -> None:
        config = dict(trial.config)
        run = self._runs.get((config_key(config), int(config.get(SEED_KEY, -1))))
        if run is None:
            return
        study = optuna.load_study(study_name=self._study_name, storage=self._storage_url)
        if any(t.user_attrs.get(RAY_TRIAL_ATTR) == trial.trial_id for t in study.get_trials(deepcopy=False)):
            return  # recorded before the driver was interrupted
        add_run(study, run, self._history.get(trial.trial_id, []), self._max_epochs, errored, trial.trial_id,
                self._dists)
