"""An exception raised by the training itself is the trial's result, not a fault: the trial fails
at once with its error, in one attempt, and Ray never retries it."""

from __future__ import annotations

import dataclasses

import optuna
import pandas as pd
import pytest
import ray

from search.options import SearchOptions
from search.tuner import run_search
from spaces.space import SearchSpace, choice


@pytest.mark.slow
def test_a_trial_whose_training_raises_fails_at_once_with_its_error(tmp_path, small_synthetic):
    # Real data gone wrong: one training label outside FER2013's seven classes makes the loss raise.
    labels = small_synthetic.train_y.copy()
    labels[0] = 7
    broken = dataclasses.replace(small_synthetic, train_y=labels, source="synthetic, one label out of range")
    space = SearchSpace(name="one", description="a single configuration", dimensions={"lr": choice(0.01)},
                        samples=1, max_epochs=2, prune=False)
    options = SearchOptions(space=space, experiment_dir=tmp_path, storage_url=f"sqlite:///{tmp_path}/optuna.db",
                            study_name="raises", samples=1, max_epochs=2, grace_epochs=2, reduction_factor=3,
                            cpus_per_trial=1, gpus_per_trial=0, max_concurrent=1, seed=0, time_budget_s=None,
                            precision="fp32", max_failures=3)
    try:
        run_search(options, broken)
    finally:
        ray.shutdown()

    (trial,) = pd.read_parquet(tmp_path / "trials.parquet").itertuples()
    assert trial.state == "failed" and trial.epochs == 0
    assert trial.fail_reason.startswith("IndexError: ") and "out of bounds" in trial.fail_reason, trial.fail_reason
    assert trial.node_losses == 0  # one attempt: Ray saw no failure to retry
    assert not list(tmp_path.glob("ray/*/error.txt"))
    assert pd.read_parquet(tmp_path / "epochs.parquet").empty

    (study_trial,) = optuna.load_study(study_name="raises", storage=options.storage_url).trials
    assert study_trial.state == optuna.trial.TrialState.FAIL
    assert study_trial.user_attrs["fail_reason"] == trial.fail_reason
