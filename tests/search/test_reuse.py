"""A configuration that a finished trial already trained is replayed, not trained again."""

from __future__ import annotations

import optuna
import pandas as pd
import pytest
import ray

from search.study.reuse import REUSE_KEY, FinishedTrials
from search.options import SearchOptions
from search.tuner import run_search
from spaces.space import SearchSpace, choice


def test_finished_trials_find_an_exact_duplicate_only():
    finished = FinishedTrials()
    finished.add("a", {"lr": 0.01, "batch_size": 32}, [{"epoch": 1, "val_acc": 0.3}])
    finished.add("b", {"lr": 0.1, "batch_size": 32}, [])  # reported nothing: no source
    assert finished.find({"lr": 0.01, "batch_size": 32}) == ("a", [{"epoch": 1, "val_acc": 0.3}])
    assert finished.find({"lr": 0.01, "batch_size": 64}) is None
    assert finished.find({"lr": 0.1, "batch_size": 32}) is None
    finished.add("c", {"lr": 0.5, REUSE_KEY: {"trial_id": "a"}}, [{"epoch": 1}])  # a replay is no source
    assert finished.find({"lr": 0.5}) is None


@pytest.mark.slow
def test_a_duplicate_configuration_replays_the_first_trials_results(tmp_path, small_synthetic):
    one_point = SearchSpace(name="one", description="a single configuration, asked three times",
                            dimensions={"lr": choice(0.003), "optimizer": choice("adamw")}, samples=3,
                            max_epochs=2, prune=False)
    experiment = tmp_path / "one"
    experiment.mkdir()
    options = SearchOptions(space=one_point, experiment_dir=experiment, storage_url=f"sqlite:///{experiment}/optuna.db",
                            study_name="one", samples=3, max_epochs=2, grace_epochs=1, reduction_factor=3,
                            cpus_per_trial=1, gpus_per_trial=0, max_concurrent=1, seed=0, time_budget_s=None,
                            precision="fp32")
    try:
        run_search(options, small_synthetic)
    finally:
        ray.shutdown()

    trials = pd.read_parquet(experiment / "trials.parquet").sort_values("optuna_number")
    first, *duplicates = trials.itertuples()
    assert pd.isna(first.reused_from) and first.epochs == 2
    epochs = pd.read_parquet(experiment / "epochs.parquet")
    own = ["trial_id", "optuna_number", "reported_at"]  # which trial, and when the driver received it
    trained = epochs[epochs["trial_id"] == first.trial_id]
    for duplicate in duplicates:
        assert duplicate.reused_from == first.trial_id and duplicate.state == "complete"
        replayed = epochs[epochs["trial_id"] == duplicate.trial_id]
        # Identical to the last digit, timings included: a second training would never match.
        pd.testing.assert_frame_equal(replayed.drop(columns=own).reset_index(drop=True),
                                      trained.drop(columns=own).reset_index(drop=True), check_exact=True)
        assert (replayed["reported_at"].to_numpy() > trained["reported_at"].max()).all()  # replayed, later

    study = optuna.load_study(study_name="one", storage=f"sqlite:///{experiment}/optuna.db")
    assert [t.user_attrs.get("reused_from") for t in study.trials] == [None, first.trial_id, first.trial_id]
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    for trial, row in zip(study.trials, trials.itertuples()):  # the study holds the Parquet files' numbers
        per_epoch = epochs[epochs["trial_id"] == row.trial_id].set_index("epoch")["val_acc"].to_dict()
        assert trial.intermediate_values == per_epoch
        assert trial.value == per_epoch[max(per_epoch)] == row.last_val_acc
