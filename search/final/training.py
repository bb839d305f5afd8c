"""The final training: the chosen configurations trained again from scratch on all the training
images, through Ray Tune like any trial — on a GPU when the search's trials had one, a checkpoint
and the validation curve after every epoch (`final/epochs.parquet`), resumed after a kill
(`Tuner.restore`), stopped gracefully by Ctrl-C — into `final/` beside the search's own files.

Each member's lr schedule is its configuration's own, stretched to its epochs
(`trainables.loop.build_lr_scheduler`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from ray import tune
from ray.tune.search import BasicVariantGenerator

from experiment.files import FINAL_DIR
from search.callbacks import CpuFallbackWarning, ForwardInterruption, ParquetResults, RecoveryNotice
from search.final.plan import FinalPlan, comparable
from trainables import Splits, TrialSettings, train_fer

METRIC, MODE = "val_acc", "max"


def train_member(config: dict[str, Any], splits: Splits, plan: FinalPlan) -> None:
    """Ray Tune entry point: one member, trained as the search trains a trial, for its own epochs."""
    train_fer(config, splits, TrialSettings(max_epochs=plan.epochs_of(config), precision=plan.precision))


def run_final(plan: FinalPlan, splits: Splits, storage: tuple[str, str, Any], experiment_dir: Path,
              resume: bool, max_failures: int) -> tune.ResultGrid:
    """Train every member (side by side as the cluster's resources allow); with `resume`, continue
    what Tune saved. A member that loses its node or worker resumes from its last epoch, up to
    `max_failures` times, as the search's trials do."""
    trainable = tune.with_parameters(train_member, splits=splits, plan=plan)
    trainable = tune.with_resources(trainable, {"cpu": plan.cpus_per_trial, "gpu": plan.gpus_per_trial})
    storage_path, run_name, filesystem = storage
    path = f"{storage_path}/{run_name}"
    if resume and tune.Tuner.can_restore(path, storage_filesystem=filesystem):
        return tune.Tuner.restore(path, trainable, resume_unfinished=True, resume_errored=True,
                                  storage_filesystem=filesystem).fit()
    configs = [m.config for m in plan.members]
    # Tune evaluates exactly these points: each member's config as given, and nothing else.
    space = {key: tune.choice(list(dict.fromkeys(c[key] for c in configs))) for key in configs[0]}
    tuner = tune.Tuner(
        trainable, param_space=space,
        tune_config=tune.TuneConfig(metric=METRIC, mode=MODE, num_samples=len(configs), reuse_actors=False,
                                    search_alg=BasicVariantGenerator(points_to_evaluate=configs)),
        run_config=tune.RunConfig(
            name=run_name, storage_path=storage_path, storage_filesystem=filesystem, verbose=0,
            callbacks=[ParquetResults(Path(experiment_dir) / FINAL_DIR, plan.epochs_of, lambda trial_id: None),
                       FinalProgress(plan), RecoveryNotice(max_failures), CpuFallbackWarning(), ForwardInterruption()],
            checkpoint_config=tune.CheckpointConfig(num_to_keep=1),  # the last epoch: the end of its schedule
            failure_config=tune.FailureConfig(max_failures=max_failures),
        ),
    )
    return tuner.fit()


def final_storage(storage: tuple[str, str, Any], local: bool) -> tuple[str, str, Any]:
    """Where Tune keeps the final training: `<experiment>/final/ray` beside a local search, else
    `<search's run name>-final` beside the search's own run in its storage (`s3://`, a shared folder)."""
    storage_path, run_name, filesystem = storage
    if local:
        return f"{storage_path}/{FINAL_DIR}", run_name, filesystem
    return storage_path, f"{run_name}-{FINAL_DIR}", filesystem


class FinalProgress(tune.Callback):
    """One line per member and epoch: where the final training stands."""

    def __init__(self, plan: FinalPlan):
        self._plan = plan
        self._start = time.monotonic()

    def setup(self, **info: Any) -> None:
        self._start = time.monotonic()

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        index = next(i for i, m in enumerate(self._plan.members) if m.config == comparable(trial.config))
        member = self._plan.members[index]
        # sys.stdout is looked up when printing: Tune pickles its callbacks with the experiment.
        print(f"[{time.monotonic() - self._start:6.0f}s] final training {index + 1}/{len(self._plan.members)} "
              f"(trial {member.trial_id}'s configuration, {member.config.get('arch')}): epoch {result.get('epoch')}/"
              f"{member.epochs}, val_acc {result.get('val_acc', float('nan')):.4f}", file=sys.stdout, flush=True)
