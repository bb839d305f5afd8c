"""Assemble and run one search: space → Optuna searcher, early stopping, resources, Tuner.

Everything about how many trials and where they run lives here; the trainable only trains.
A resumed search is Ray Tune's own `Tuner.restore` of the same experiment: the trials, the
searcher, the callbacks and (through `SchedulerState`) the scheduler come back as saved.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pyarrow.fs
import ray
from ray import tune
from ray.tune.schedulers import ASHAScheduler, TrialScheduler

from search.callbacks import (CpuFallbackWarning, ForwardInterruption, ParquetResults, ProgressLine, RecoveryNotice,
                              StopWhenStalled, WaitWatch)
from search.local_ray import is_loopback, joins_cluster
from search.options import OBJECTIVES, SearchOptions
from search.outcome import FULL_RUN_TIME
from search.scheduling import PARETO_QUALITIES, RANKINGS, SchedulerState, SuccessiveHalving, pareto_ranking
from search.study import AskTellGridSampler, CloseStudyAtEnd, TruthfulOptunaSearch
from search.study.reuse import replaying
from spaces import SearchSpace
from trainables import Splits, TrialSettings, train_fer

METRIC, MODE = "val_acc", "max"  # what Tune itself ranks checkpoints and results on
TPE_STARTUP_TRIALS = 5  # random trials before TPE models, besides the baselines
RAY_RUN_NAME = "ray"  # Tune's experiment folder under a local experiment folder


def study_baselines(space: SearchSpace, sampler: str = "tpe") -> dict[str, dict]:
    """The space's study baselines by name (`study-0`, …), evaluated first and tagged `baseline`;
    none for a grid (it enumerates every point anyway) or a random search (the plain comparison)."""
    if space.grid or sampler == "random":
        return {}
    return {f"study-{i}": baseline for i, baseline in enumerate(space.baselines)}


def optuna_sampler(space: SearchSpace, seed: int, sampler: str = "tpe", max_train_time_s: float | None = None,
                   baselines: dict[str, dict] | None = None,
                   startup_trials: int = TPE_STARTUP_TRIALS) -> optuna.samplers.BaseSampler:
    """The space's grid, else seeded TPE (or random search, to compare against).

    TPE is multivariate with groups, Optuna's advice for conditional spaces: each optimizer's
    learning rate is modelled jointly with the dimensions it occurs with. `constant_liar`
    keeps concurrent trials from being proposed on top of each other. It starts modelling
    after `startup_trials` random trials besides the study's `baselines`: 5 by default, not
    Optuna's 10, since a search on a CPU runs only tens of trials (benchmarks/RESULTS.md).
    A training-time limit becomes TPE's constraint: a full run longer than the limit is
    infeasible.
    """
    baselines = baselines or {}
    if space.grid:
        return AskTellGridSampler(space.grid_values(), seed=seed)
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    constraints = TrainTimeConstraint(max_train_time_s) if max_train_time_s else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # deprecated in Optuna 5 for Trial.set_constraint (set where the searcher tells a trial's
        # result), removed in 7; the warning is not the user's to act on
        warnings.filterwarnings("ignore", message=".*constraints_func", category=FutureWarning)
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials + len(baselines),
                                          multivariate=True, group=True, constant_liar=True,
                                          constraints_func=constraints)


@dataclass(frozen=True)
class TrainTimeConstraint:
    """Optuna constraint: a trial's full-run training time minus the limit (≤ 0 is feasible)."""

    limit_s: float

    def __call__(self, trial: optuna.trial.FrozenTrial) -> tuple[float]:
        full_run = trial.user_attrs.get(FULL_RUN_TIME)
        return (float(full_run) - self.limit_s if full_run is not None else 0.0,)


def optuna_searcher(options: SearchOptions) -> TruthfulOptunaSearch:
    """The sampler on an RDB study, with the study's baselines queued first (TPE only)."""
    space = options.space
    baselines = study_baselines(space, options.sampler)
    metric, mode = OBJECTIVES[options.objective]
    sampler = optuna_sampler(space, options.seed, options.sampler, options.max_train_time_s, baselines)
    return TruthfulOptunaSearch(
        space, metric=metric, mode=mode, sampler=sampler, study_name=options.study_name,
        storage=optuna.storages.RDBStorage(options.storage_url), max_epochs=options.max_epochs,
        baselines=baselines, reuse=options.reuse,
    )


def trial_scheduler(*, prune: bool, max_epochs: int, grace_epochs: int, reduction_factor: int,
                    scheduler: str = "halving", objective: str = "accuracy", max_train_time_s: float | None = None,
                    ranking: str = "loss") -> TrialScheduler:
    """The project's successive halving (or Ray's stock ASHA, to compare against) over epochs;
    a space that must not `prune` runs every trial to the end (successive halving without
    rungs: a trial resuming from its checkpoint still goes first, and one whose full run cannot
    fit `max_train_time_s` still stops). `ranking` names the ranking at a rung
    (`search.scheduling.RANKINGS`; with `--objective pareto`, the quality paired with time):
    the search uses "loss", the simulator compares the others."""
    if not prune or scheduler == "none":
        return SuccessiveHalving(max_t=max_epochs, grace_period=max_epochs, max_full_run_time_s=max_train_time_s)
    if scheduler == "ray-asha":
        return ASHAScheduler(time_attr="training_iteration", max_t=max_epochs, grace_period=grace_epochs,
                             reduction_factor=reduction_factor)
    rank = (functools.partial(pareto_ranking, quality=PARETO_QUALITIES[ranking]) if objective == "pareto"
            else RANKINGS[ranking])
    return SuccessiveHalving(max_t=max_epochs, grace_period=grace_epochs, reduction_factor=reduction_factor,
                             ranking=rank, max_full_run_time_s=max_train_time_s)


def connect_ray() -> None:
    """Join the cluster in RAY_ADDRESS (or the one `ray job submit` runs in), else start a local
    one whose servers listen on 127.0.0.1 only (`search.local_ray`)."""
    quiet_ray_output()
    if not ray.is_initialized():
        # Trials print nothing worth reading; their errors land in Tune's error files and trials.parquet.
        # A local cluster needs no dashboard: it would only take CPU from the trials.
        # "local" starts a new cluster even when another one, started by `ray start`, is running here.
        local = not joins_cluster()
        ray.init(address="local" if local else os.environ["RAY_ADDRESS"], logging_level="WARNING",
                 log_to_driver=False, include_dashboard=False if local else None)
        address = ray.util.get_node_ip_address()
        if local and not is_loopback(address):
            print(f"search.run: warning: the local Ray cluster listens on {address}, not on 127.0.0.1 only: Ray was "
                  "imported before search.local_ray.keep_local_ray_on_loopback() could keep it there",
                  file=sys.stderr)


def run_search(options: SearchOptions, splits: Splits, resume: bool = False) -> tune.ResultGrid:
    """Run every trial on the Ray cluster; with `resume`, continue the experiment Tune saved."""
    quiet_ray_output()
    connect_ray()
    trainable = fer_trainable(options, splits, replaying(train_fer))
    if resume:
        storage_path, run_name, filesystem = ray_storage(options)
        tuner = tune.Tuner.restore(f"{storage_path}/{run_name}", trainable, resume_unfinished=True,
                                   resume_errored=True, storage_filesystem=filesystem)
        return tuner.fit()

    searcher = optuna_searcher(options)
    waits = WaitWatch(options.max_wait_s)
    scheduler = trial_scheduler(prune=options.space.prune, max_epochs=options.max_epochs,
                                grace_epochs=options.grace_epochs, reduction_factor=options.reduction_factor,
                                scheduler=options.scheduler, objective=options.objective,
                                max_train_time_s=options.max_train_time_s)
    callbacks = [
        ParquetResults(options.experiment_dir, options.max_epochs, searcher.optuna_trial_number, searcher.baseline_of),
        waits, ProgressLine(options.max_epochs, options.samples, waits=waits), RecoveryNotice(options.max_failures),
        CpuFallbackWarning(),
        CloseStudyAtEnd(searcher), ForwardInterruption(), SchedulerState(scheduler),
    ]
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            metric=METRIC, mode=MODE, search_alg=searcher, scheduler=scheduler,
            num_samples=options.samples, max_concurrent_trials=options.max_concurrent,
            time_budget_s=options.time_budget_s, reuse_actors=True,
        ),
        run_config=trials_run_config(ray_storage(options), callbacks, options.max_failures),
    )
    return tuner.fit()


def fer_trainable(options: SearchOptions, splits: Splits, train: Callable = train_fer) -> Any:
    """The trainable every trial of the experiment runs, with its data and its resources: the
    data set goes into the object store once (`with_parameters`), not once per trial."""
    settings = TrialSettings(max_epochs=options.max_epochs, seed=options.seed, precision=options.precision)
    trainable = tune.with_parameters(train, splits=splits, settings=settings)
    return tune.with_resources(trainable, {"cpu": options.cpus_per_trial, "gpu": options.gpus_per_trial})


def trials_run_config(storage: tuple[str, str, pyarrow.fs.FileSystem | None], callbacks: list,
                      max_failures: int) -> tune.RunConfig:
    """Where Tune keeps the trials, and how it checkpoints and retries them, for any experiment
    of the project (a search, or the runs that explain it)."""
    storage_path, run_name, filesystem = storage
    return tune.RunConfig(
        name=run_name, storage_path=storage_path, storage_filesystem=filesystem, callbacks=callbacks, verbose=0,
        stop=StopWhenStalled(),
        # One checkpoint kept per trial (besides its latest) makes Tune snapshot the
        # experiment after every epoch: a resumed search repeats at most the epoch in flight.
        checkpoint_config=tune.CheckpointConfig(num_to_keep=1, checkpoint_score_attribute=METRIC,
                                                checkpoint_score_order=MODE),
        # Only faults reach Ray (a lost node, actor or raylet): the training's own exceptions
        # are results (`search.outcome`). Each fault sends the trial back to its last checkpoint.
        failure_config=tune.FailureConfig(max_failures=max_failures),
    )


def ray_storage(options: SearchOptions, folder: Path | None = None, suffix: str = ""
                ) -> tuple[str, str, pyarrow.fs.FileSystem | None]:
    """(storage path, run name, file system) for Ray Tune's trials and checkpoints.

    By default `<folder>/ray` (the experiment folder, or `folder` for the runs that explain it);
    with `--storage-path`, `<storage path>/<experiment name><suffix>`, any URI pyarrow resolves
    (a shared folder, `s3://`, `gs://`). An `s3://` path honours `AWS_ENDPOINT_URL`, so
    S3-compatible servers (MinIO, moto) work as with the AWS CLI.
    """
    if options.storage_path is None:
        return str((folder or options.experiment_dir).resolve()), RAY_RUN_NAME, None
    path = options.storage_path.rstrip("/")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if path.startswith("s3://") and endpoint:
        scheme, _, host = endpoint.partition("://")
        filesystem = pyarrow.fs.S3FileSystem(endpoint_override=host, scheme=scheme,
                                             region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        return path.removeprefix("s3://"), options.study_name + suffix, filesystem
    return path, options.study_name + suffix, None


def quiet_ray_output() -> None:
    """Ray's and Optuna's notices that the project's own lines already say, kept off the terminal."""
    # Tune's experiment box and TensorBoard hint come from its "new output"; the progress line is the view.
    os.environ["RAY_AIR_NEW_OUTPUT"] = "0"
    # The snapshot per epoch above is intended; Tune would warn that it is frequent.
    os.environ.setdefault("TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S", "0")
    # A trial the time budget cut before its first epoch has no metrics file; Ray warns with a
    # file-not-found trace, while the Optuna study already records it (FAIL, with fail_reason).
    logging.getLogger("ray.tune.analysis.experiment_analysis").setLevel(logging.ERROR)
    # Tune's own stop and "Tuner.restore(...)" notices: search.run says the same in its own terms.
    logging.getLogger("ray.tune.tune").setLevel(logging.ERROR)
    # A trial's fault is one line of search.callbacks.RecoveryNotice, not a traceback per node lost.
    os.environ.setdefault("TUNE_PRINT_ALL_TRIAL_ERRORS", "0")
    # "No trial is running and no new trial has been started within the last 60 seconds": the
    # progress line says what waiting trials need, and --max-wait-s bounds the wait.
    logging.getLogger("ray.tune.execution.insufficient_resources_manager").setLevel(logging.ERROR)
    # Token authentication is Ray's default for a local cluster: a notice, not news, at every start.
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    # "A new study created in RDB": the command prints where the study is at its end.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
