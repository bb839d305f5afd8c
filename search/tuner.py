"""Assemble and run one search: space → Optuna TPE (or grid) searcher, early stopping, resources, Tuner.

Everything about how many trials and where they run lives here; the trainable only trains.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import optuna
import ray
from ray import tune
from ray.tune.schedulers import ASHAScheduler, FIFOScheduler, TrialScheduler

from search.grid_sampler import AskTellGridSampler
from search.optuna_searcher import TruthfulOptunaSearch
from search.progress import ProgressLine
from search.results import ParquetResults
from search.reuse import replaying
from search.successive_halving import SuccessiveHalving
from spaces import SearchSpace
from trainables import Splits, TrialSettings, train_fer

METRIC, MODE = "val_acc", "max"
SAMPLERS = ("tpe", "random")
SCHEDULERS = ("halving", "ray-asha", "none")


@dataclass(frozen=True)
class SearchOptions:
    """One search, fully resolved from the command line and the space's defaults."""

    space: SearchSpace
    experiment_dir: Path
    storage_url: str
    study_name: str
    samples: int
    max_epochs: int
    grace_epochs: int
    reduction_factor: int
    cpus_per_trial: float
    gpus_per_trial: float
    max_concurrent: int | None
    seed: int
    time_budget_s: float | None
    precision: str
    sampler: str = "tpe"
    scheduler: str = "halving"
    reuse: bool = True


def optuna_sampler(options: SearchOptions) -> optuna.samplers.BaseSampler:
    """The space's grid, else seeded TPE (or random search, to compare against).

    TPE is multivariate with groups, Optuna's advice for conditional spaces: each optimizer's
    learning rate is modelled jointly with the dimensions it occurs with. `constant_liar`
    keeps concurrent trials from being proposed on top of each other.
    """
    space = options.space
    if space.grid:
        return AskTellGridSampler(space.grid_values(), seed=options.seed)
    if options.sampler == "random":
        return optuna.samplers.RandomSampler(seed=options.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(seed=options.seed, multivariate=True, group=True, constant_liar=True)


def optuna_searcher(options: SearchOptions) -> TruthfulOptunaSearch:
    """The sampler on an RDB study, with the study's baselines queued first (TPE only)."""
    space = options.space
    baselines = {} if space.grid or options.sampler == "random" else {
        f"study-{i}": b for i, b in enumerate(space.baselines)}
    return TruthfulOptunaSearch(
        space, metric=METRIC, mode=MODE, sampler=optuna_sampler(options), study_name=options.study_name,
        storage=optuna.storages.RDBStorage(options.storage_url), max_epochs=options.max_epochs,
        baselines=baselines, reuse=options.reuse,
    )


def trial_scheduler(options: SearchOptions) -> TrialScheduler:
    """The project's successive halving (or Ray's stock ASHA, to compare against) over epochs;
    a space that must not prune runs every trial to the end."""
    if not options.space.prune or options.scheduler == "none":
        return FIFOScheduler()
    if options.scheduler == "ray-asha":
        return ASHAScheduler(time_attr="training_iteration", max_t=options.max_epochs,
                             grace_period=options.grace_epochs, reduction_factor=options.reduction_factor)
    return SuccessiveHalving(max_t=options.max_epochs, grace_period=options.grace_epochs,
                             reduction_factor=options.reduction_factor)


def run_search(options: SearchOptions, splits: Splits) -> tuple[tune.ResultGrid, TruthfulOptunaSearch]:
    """Run every trial on the Ray cluster (a local one unless RAY_ADDRESS points elsewhere)."""
    # Keeping one checkpoint per trial forces a state snapshot per epoch; that is intended here.
    os.environ.setdefault("TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S", "0")
    # A trial the time budget cut before its first epoch has no metrics file; Ray warns with a
    # file-not-found trace, while the Optuna study already records it (FAIL, with fail_reason).
    logging.getLogger("ray.tune.analysis.experiment_analysis").setLevel(logging.ERROR)
    if not ray.is_initialized():
        # Trials print nothing worth reading; their errors land in Tune's error files and trials.parquet.
        ray.init(logging_level="WARNING", log_to_driver=False)
    searcher = optuna_searcher(options)
    settings = TrialSettings(max_epochs=options.max_epochs, seed=options.seed, precision=options.precision)
    # with_parameters puts the data set into the object store once, not once per trial.
    trainable = tune.with_parameters(replaying(train_fer), splits=splits, settings=settings)
    trainable = tune.with_resources(trainable, {"cpu": options.cpus_per_trial, "gpu": options.gpus_per_trial})
    callbacks = [
        ParquetResults(options.experiment_dir, options.max_epochs, searcher.optuna_trial_number, searcher.baseline_of),
        ProgressLine(options.max_epochs, options.samples),
    ]
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            metric=METRIC, mode=MODE, search_alg=searcher, scheduler=trial_scheduler(options),
            num_samples=options.samples, max_concurrent_trials=options.max_concurrent,
            time_budget_s=options.time_budget_s, reuse_actors=True,
        ),
        run_config=tune.RunConfig(
            name="ray", storage_path=str(options.experiment_dir.resolve()), callbacks=callbacks, verbose=0,
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1, checkpoint_score_attribute=METRIC,
                                                    checkpoint_score_order=MODE),
            failure_config=tune.FailureConfig(max_failures=1),
        ),
    )
    results = tuner.fit()
    searcher.close_unfinished()
    return results, searcher
