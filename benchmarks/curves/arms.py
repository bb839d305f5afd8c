"""The strategies compared in the simulator, each built from the code a user would run.

- `random-full`, `tpe-full`: Optuna's random sampler, or the project's TPE, every trial to the end;
- `random-asha`: random sampling with Ray Tune's stock ASHA on accuracy;
- `optuna-hyperband`: what an expert Optuna user runs — TPE (multivariate, grouped, constant
  liar) with Optuna's `HyperbandPruner`;
- `project`: this project's default — its sampler (`search.tuner.optuna_sampler`: TPE after the
  study's baselines), its successive halving ranked on loss, replay of duplicates;
- `pareto`: `--objective pareto` — multi-objective TPE and MOASHA;
- `pareto-full`: multi-objective TPE, every trial to the end (another pareto strategy).

`Setting` holds the knobs the project's defaults are chosen on (first rung, η, the ranking at a
rung, TPE's random start-up trials, the study's baselines first); its defaults are the
project's own. Its `max_train_time_s` is the user's `--max-train-time-s`: the arms built from the
project's sampler (`tpe-full`, `project`, `pareto`, `pareto-full`) then run with the limit as
`search.run` does, through the same `optuna_sampler` and `trial_scheduler`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import optuna
from ray.tune.schedulers import TrialScheduler

from benchmarks.curves.record import SETTING
from benchmarks.curves.simulator import NoStopping, OptunaPruning, ProjectHalving, RayAsha, Stopper
from search.options import OBJECTIVES
from search.scheduling import RANKINGS, SuccessiveHalving
from search.tuner import TPE_STARTUP_TRIALS, optuna_sampler, study_baselines, trial_scheduler
from spaces import SPACES
from spaces.space import SearchSpace

ARMS = ("random-full", "tpe-full", "random-asha", "optuna-hyperband", "project", "pareto", "pareto-full")


@dataclass(frozen=True)
class Setting:
    """The search every arm runs: space, epochs, slots and budget; and the project's knobs."""

    space: SearchSpace
    max_epochs: int = 9
    grace_epochs: int | None = None      # None: the space's
    reduction_factor: int = 3
    slots: int = 2
    budget_s: float = 3600.0
    samples: int = 400
    ranking: str = "loss"                # the project's successive halving: a key of search.scheduling.RANKINGS
    tpe_startup: int = TPE_STARTUP_TRIALS
    baselines: bool = True               # the space's study baselines first
    max_train_time_s: float | None = None  # the user's --max-train-time-s (project's arms only)

    @property
    def grace(self) -> int:
        return min(self.grace_epochs or self.space.grace_epochs, self.max_epochs)


KNOBS = ("grace_epochs", "reduction_factor", "ranking", "tpe_startup", "baselines", "max_train_time_s")


def parse_knob(text: str) -> tuple[str, object]:
    """`knob=value` (from the command line) as a `Setting` override; ValueError with the reason."""
    name, _, value = text.partition("=")
    if name not in KNOBS or not value:
        raise ValueError(f"{text!r} is not knob=value with a knob among {', '.join(KNOBS)}")
    if name == "ranking":
        if value not in RANKINGS:
            raise ValueError(f"ranking {value!r} is not one of {', '.join(RANKINGS)}")
        return name, value
    if name == "baselines":
        if value not in ("true", "false"):
            raise ValueError(f"baselines {value!r} is not true or false")
        return name, value == "true"
    if name == "max_train_time_s":
        try:
            limit = float(value)
        except ValueError:
            limit = 0.0
        if not limit > 0 or limit == float("inf"):
            raise ValueError(f"max_train_time_s {value!r} is not a number of seconds > 0")
        return name, limit
    if not value.isdigit() or int(value) < (2 if name == "reduction_factor" else 0 if name == "tpe_startup" else 1):
        raise ValueError(f"{name} {value!r} is not a whole number in its range")
    return name, int(value)


def recorded_setting(**overrides) -> Setting:
    """The search of the recorded table's setting (its space and epochs), with `overrides`."""
    return Setting(SPACES[SETTING["space"]], max_epochs=SETTING["max_epochs"], **overrides)


@dataclass(frozen=True)
class Arm:
    study: optuna.Study
    stopper: Stopper
    reuse: bool


def build(arm: str, setting: Setting, seed: int) -> Arm:
    """A fresh in-memory study (sampler, baselines queued) and stopper for one run of `arm`,
    assembled by the search's own functions (`search.tuner`) where the arm is the project's."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    if arm == "random-full":
        return Arm(_study(optuna.samplers.RandomSampler(seed=seed)), NoStopping(), reuse=False)
    if arm == "random-asha":
        return Arm(_study(optuna.samplers.RandomSampler(seed=seed)),
                   RayAsha(setting.max_epochs, setting.grace, setting.reduction_factor), reuse=False)
    if arm == "tpe-full":
        return Arm(_study(_project_sampler(setting, seed, baselines={})), NoStopping(), reuse=False)
    if arm == "optuna-hyperband":
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constant_liar=True)
        pruner = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=setting.max_epochs,
                                                reduction_factor=setting.reduction_factor)
        # Optuna's Hyperband assigns a trial's bracket from a hash of the study's name and the
        # trial's number: a fixed name makes a seed's run the same every time
        return Arm(_study(sampler, pruner=pruner, name=f"{arm}-{seed}"), OptunaPruning(), reuse=False)
    if arm in ("project", "pareto", "pareto-full"):
        objective = "accuracy" if arm == "project" else "pareto"
        baselines = study_baselines(setting.space) if setting.baselines else {}
        study = _study(_project_sampler(setting, seed, baselines), directions=None if arm == "project"
                       else ["maximize", "minimize"])
        for baseline in baselines.values():
            study.enqueue_trial(setting.space.params_of(baseline))
        scheduler = trial_scheduler(prune=arm != "pareto-full", max_epochs=setting.max_epochs,
                                    grace_epochs=setting.grace, reduction_factor=setting.reduction_factor,
                                    objective=objective, max_train_time_s=setting.max_train_time_s,
                                    ranking=setting.ranking)
        return Arm(study, _stopper(scheduler), reuse=True)
    raise ValueError(f"The arm is {arm!r}, but must be one of {ARMS}")


def _project_sampler(setting: Setting, seed: int, baselines: dict[str, dict]) -> optuna.samplers.BaseSampler:
    return optuna_sampler(setting.space, seed, max_train_time_s=setting.max_train_time_s, baselines=baselines,
                          startup_trials=setting.tpe_startup)


def _stopper(scheduler: TrialScheduler) -> Stopper:
    """The scheduler `search.run` would use: FIFO (no early stopping, no limit) stops nothing."""
    return ProjectHalving(scheduler) if isinstance(scheduler, SuccessiveHalving) else NoStopping()


def _study(sampler: optuna.samplers.BaseSampler, pruner: optuna.pruners.BasePruner | None = None,
           directions: list[str] | None = None, name: str | None = None) -> optuna.Study:
    return optuna.create_study(sampler=sampler, pruner=pruner, directions=directions or ["maximize"],
                               study_name=name)


assert set(OBJECTIVES) == {"accuracy", "pareto"}  # the two objectives the arms above cover
