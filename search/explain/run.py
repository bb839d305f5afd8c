"""The explain experiment's runs through the search's own machinery: Ray Tune trials of the same
trainable, on the same data and at the search's setting (epochs, precision, resources, storage),
every run to the end; Parquet results, progress line, Optuna study; resumable like a search."""

from __future__ import annotations

from pathlib import Path

from ray import tune
from ray.tune.search.basic_variant import BasicVariantGenerator

from search.callbacks import ForwardInterruption, ParquetResults, ProgressLine, RecoveryNotice, WaitWatch
from search.explain.design import Run
from search.explain.study import ExplainStudy
from search.options import SearchOptions
from search.tuner import METRIC, MODE, connect_ray, fer_trainable, quiet_ray_output, ray_storage, trials_run_config
from trainables import Splits
from trainables.hyperparameters import SEED_KEY

EXPLAIN_SUFFIX = "-explain"  # its Ray experiment's name under a shared --storage-path


def run_explain(options: SearchOptions, splits: Splits, runs: list[Run], folder: Path, storage_url: str,
                study_name: str, resume: bool = False) -> tune.ResultGrid:
    """Train every run that is not the search's own, `options.max_epochs` each, no early stopping."""
    quiet_ray_output()
    connect_ray()
    trainable = fer_trainable(options, splits)
    storage = ray_storage(options, folder, EXPLAIN_SUFFIX)
    if resume:
        storage_path, run_name, filesystem = storage
        tuner = tune.Tuner.restore(f"{storage_path}/{run_name}", trainable, resume_unfinished=True,
                                   resume_errored=True, storage_filesystem=filesystem)
        return tuner.fit()
    points = [{**run.config, SEED_KEY: run.seed} for run in runs if not run.own]
    waits = WaitWatch(options.max_wait_s)
    callbacks = [ParquetResults(folder, options.max_epochs, lambda trial_id: None), waits,
                 ProgressLine(options.max_epochs, len(points), waits=waits), RecoveryNotice(options.max_failures),
                 ExplainStudy(storage_url, study_name, runs, options.max_epochs), ForwardInterruption()]
    tuner = tune.Tuner(
        trainable,
        param_space=dict.fromkeys(points[0]) if points else {},  # every key a preset point sets must exist
        tune_config=tune.TuneConfig(
            metric=METRIC, mode=MODE, search_alg=BasicVariantGenerator(points_to_evaluate=points),
            num_samples=len(points), max_concurrent_trials=options.max_concurrent, reuse_actors=True,
        ),
        run_config=trials_run_config(storage, callbacks, options.max_failures),
    )
    return tuner.fit()
