"""A real `smoke` search end to end: Parquet results, a truthful Optuna study, best trial tested."""

from __future__ import annotations

import json

import duckdb
import optuna
import pandas as pd
import pyarrow.parquet as pq
import pytest

from experiment.schema import EPOCHS_SCHEMA, TRIALS_SCHEMA
from spaces import SPACES

SMOKE = SPACES["smoke"]


@pytest.fixture(scope="module")
def experiment(smoke_experiment):
    return smoke_experiment[0]


@pytest.fixture(scope="module")
def study(experiment):
    return optuna.load_study(study_name="smoke", storage=f"sqlite:///{experiment}/optuna.db")


def test_trials_parquet_has_one_row_per_trial_with_the_documented_columns(experiment):
    table = pq.read_table(experiment / "trials.parquet")
    assert table.schema.names == TRIALS_SCHEMA.names
    assert table.num_rows == SMOKE.samples
    trials = table.to_pandas()
    assert set(trials["state"]) <= {"complete", "pruned", "diverged", "failed"}
    assert sorted(trials["optuna_number"]) == list(range(SMOKE.samples))
    assert (trials["arch"] == "arch1").all() and trials["lr"].between(1e-3, 0.3).all()


def test_epochs_parquet_has_one_row_per_trial_and_epoch(experiment):
    trials = pd.read_parquet(experiment / "trials.parquet")
    epochs = pq.read_table(experiment / "epochs.parquet")
    assert epochs.schema.names == EPOCHS_SCHEMA.names
    assert epochs.num_rows == trials["epochs"].sum()
    per_trial = epochs.to_pandas().groupby("trial_id")["epoch"].apply(sorted)
    for row in trials.itertuples():
        assert per_trial[row.trial_id] == list(range(1, row.epochs + 1))


def test_results_are_readable_by_duckdb(experiment):
    [(count,)] = duckdb.sql(f"select count(*) from '{experiment}/epochs.parquet'").fetchall()
    [(best,)] = duckdb.sql(f"select max(best_val_acc) from '{experiment}/trials.parquet'").fetchall()
    assert count > 0 and 0 < best <= 1


def test_study_holds_pruned_and_complete_trials_matching_the_parquet_states(experiment, study):
    trials = pd.read_parquet(experiment / "trials.parquet").set_index("optuna_number")
    states = {t.number: t.state for t in study.trials}
    assert optuna.trial.TrialState.PRUNED in states.values()
    assert optuna.trial.TrialState.COMPLETE in states.values()
    expected = {"complete": "COMPLETE", "diverged": "COMPLETE", "pruned": "PRUNED", "failed": "FAIL"}
    for number, state in states.items():
        assert state.name == expected[trials.loc[number, "state"]]


def test_every_reported_epoch_is_an_intermediate_value(study):
    for trial in study.trials:
        epochs = trial.user_attrs["epochs"]
        assert epochs >= 1
        assert sorted(trial.intermediate_values) == list(range(1, epochs + 1))
        assert {"diverged", "train_time_s", "param_count", "ray_trial_id"} <= set(trial.user_attrs)


def test_pruned_trials_stopped_before_the_last_epoch(study):
    for trial in study.get_trials(states=[optuna.trial.TrialState.PRUNED]):
        assert trial.user_attrs["epochs"] < SMOKE.max_epochs


def test_the_study_baseline_is_evaluated_first(experiment, study):
    first = study.trials[0]
    assert first.user_attrs.get("baseline") == "study-0"
    assert first.params == {"lr": 0.01, "batch_size": 256, "activation": "relu", "standardize": "none",
                            "optimizer": "sgd"}
    trials = pd.read_parquet(experiment / "trials.parquet")
    assert trials.loc[trials["optuna_number"] == 0, "baseline"].item() == "study-0"


def test_best_trial_is_tested_once_and_written_with_weights_config_and_metrics(experiment, smoke_experiment):
    summary = json.loads((experiment / "summary.json").read_text())
    metrics = json.loads((experiment / "best" / "metrics.json").read_text())
    trials = pd.read_parquet(experiment / "trials.parquet")
    assert (experiment / "best" / "model.pt").stat().st_size > 0
    assert json.loads((experiment / "best" / "config.json").read_text()) == summary["best"]["config"]
    assert metrics["steps"][0]["val_acc"] == pytest.approx(trials["best_val_acc"].max())  # the search's best
    assert metrics["val_acc"] == max(step["val_acc"] for step in metrics["steps"])  # the deliverable: no worse
    assert 0 <= metrics["test_acc"] <= 1 and summary["data"]["synthetic"] is True
    stdout = smoke_experiment[1].stdout
    assert "SYNTHETIC" in stdout and "optuna-dashboard --host 127.0.0.1 sqlite:///" in stdout
    assert f"test_acc {metrics['test_acc']:.4f}" in stdout
