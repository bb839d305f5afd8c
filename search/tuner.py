"""Assemble and run one search: space → Optuna TPE (or grid) searcher, ASHA, resources, Tuner.

Everything about how many trials and where they run lives here; the trainable only trains.
"""

from __future__ import annotations

import logging
import os
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
from spaces import SearchSpace
from trainables import Splits, TrialSettings, train_fer

METRIC, MODE = "val_acc", "max"


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


def optuna_searcher(options: SearchOptions) -> TruthfulOptunaSearch:
    """Seeded TPE (or the space's grid) on an RDB study, with the study's baselines queued first."""
    space = options.space
    if space.grid:
        sampler: optuna.samplers.BaseSampler = AskTellGridSampler(space.grid_values(), seed=options.seed)
        baselines = {}
    else:
        sampler = optuna.samplers.TPESampler(seed=options.seed)
        baselines = {f"study-{i}": b for i, b in enumerate(space.baselines)}
    return TruthfulOptunaSearch(
        space=dict(space.dimensions), metric=METRIC, mode=MODE, sampler=sampler,
        points_to_evaluate=list(baselines.values()) or None, study_name=options.study_name,
        storage=optuna.storages.RDBStorage(options.storage_url), max_epochs=options.max_epochs,
        baselines=baselines,
    )


def trial_scheduler(options: SearchOptions) -> TrialScheduler:
    """ASHA on val_acc over epochs; a space that must not prune runs every trial to the end."""
    if not options.space.prune:
        return FIFOScheduler()
    return ASHAScheduler(time_attr="training_iteration", max_t=options.max_epochs,
                         grace_period=options.grace_epochs, reduction_factor=options.reduction_factor)


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
    trainable = tune.with_parameters(train_fer, splits=splits, settings=settings)
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
            time_budget_s=options.time_budget_s,
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
