"""The accuracy–training-time front searched, not only drawn: a real `--objective pareto` search,
and `--max-train-time-s` with a limit that only some configurations meet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pandas as pd
import pyarrow.parquet as pq
import pytest
import ray

from loopback import get_json
from search.best import evaluate_best
from search.optuna_searcher import EPOCH_VALUES
from search.results import EPOCHS_SCHEMA, TRIALS_SCHEMA
from search.tuner import SearchOptions, run_search
from spaces import SPACES
from spaces.space import SearchSpace, choice

REPO_ROOT = Path(__file__).resolve().parents[2]
SMOKE = SPACES["smoke"]


@pytest.fixture(scope="module")
def pareto_experiment(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("pareto")
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    completed = subprocess.run(
        [sys.executable, "-m", "search.run", "--space", "smoke", "--objective", "pareto", "--output", "results",
         "--name", "pareto", "--max-concurrent", "1"],
        cwd=workdir, env=env | {"PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return workdir / "results" / "pareto"


@pytest.mark.slow
def test_the_pareto_study_maximises_accuracy_and_minimises_full_run_time(pareto_experiment):
    study = optuna.load_study(study_name="pareto", storage=f"sqlite:///{pareto_experiment}/optuna.db")
    assert study.directions == [optuna.study.StudyDirection.MAXIMIZE, optuna.study.StudyDirection.MINIMIZE]
    assert len(study.trials) == SMOKE.samples
    assert all(t.state != optuna.trial.TrialState.RUNNING for t in study.trials)
    trials = pd.read_parquet(pareto_experiment / "trials.parquet").set_index("optuna_number")
    for trial in study.trials:
        row = trials.loc[trial.number]
        epochs = pd.read_parquet(pareto_experiment / "epochs.parquet")
        per_epoch = epochs[epochs["trial_id"] == row["trial_id"]].sort_values("epoch")["val_acc"].tolist()
        assert trial.user_attrs[EPOCH_VALUES] == pytest.approx(per_epoch)  # every epoch, where Optuna cannot
        if row["state"] == "pruned":
            assert trial.state == optuna.trial.TrialState.PRUNED and trial.values is None
            assert trial.user_attrs["full_run_time_projected"] is True
        else:
            assert trial.state == optuna.trial.TrialState.COMPLETE and row["epochs"] == SMOKE.max_epochs
            # the values are measured, never invented: last accuracy and the full run's training time
            assert trial.values == pytest.approx([per_epoch[-1], row["train_time_s"]])
    assert set(trials["state"]) >= {"complete"}


@pytest.mark.slow
def test_the_pareto_search_writes_the_same_parquet_schema_and_says_its_objective(pareto_experiment):
    assert pq.read_schema(pareto_experiment / "trials.parquet").names == TRIALS_SCHEMA.names
    assert pq.read_schema(pareto_experiment / "epochs.parquet").names == EPOCHS_SCHEMA.names
    summary = json.loads((pareto_experiment / "summary.json").read_text())
    assert summary["search"]["objective"] == "pareto"
    assert "jointly" in (pareto_experiment / "report.html").read_text()


@pytest.mark.slow
def test_optuna_dashboard_shows_the_searched_pareto_front(pareto_experiment, optuna_dashboard):
    dashboard = optuna_dashboard(f"sqlite:///{pareto_experiment}/optuna.db")
    (summary,) = [s for s in get_json(f"{dashboard}/api/studies")["study_summaries"] if s["study_name"] == "pareto"]
    assert summary["directions"] == ["maximize", "minimize"]
    detail = get_json(f"{dashboard}/api/studies/{summary['study_id']}")
    front = {trial["number"] for trial in detail["best_trials"]}  # the dashboard's Pareto front
    study = optuna.load_study(study_name="pareto", storage=f"sqlite:///{pareto_experiment}/optuna.db")
    assert front and front == {trial.number for trial in study.best_trials}
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    for number in front:  # nothing complete is both more accurate and faster than a front trial
        values = study.trials[number].values
        assert not any(t.values[0] >= values[0] and t.values[1] <= values[1] and t.values != values for t in complete)


@pytest.mark.slow
def test_no_trial_that_meets_the_training_time_limit_exceeds_it(tmp_path, small_synthetic):
    """arch1 trains 2 epochs of 1,200 images in well under a second; arch2 takes several seconds."""
    limit = 2.0
    space = SearchSpace(name="two-archs", description="a fast and a slow architecture",
                        dimensions={"arch": choice("arch1", "arch2"), "optimizer": choice("adamw"),
                                    "lr": choice(0.003, 0.001)},
                        samples=4, max_epochs=2, prune=False)
    experiment = tmp_path / "limited"
    experiment.mkdir()
    options = SearchOptions(space=space, experiment_dir=experiment, storage_url=f"sqlite:///{experiment}/optuna.db",
                            study_name="limited", samples=4, max_epochs=2, grace_epochs=1, reduction_factor=3,
                            cpus_per_trial=1, gpus_per_trial=0, max_concurrent=1, seed=0, time_budget_s=None,
                            precision="auto", sampler="random", reuse=False, max_train_time_s=limit)
    try:
        results = run_search(options, small_synthetic)
        numbers = dict(zip(*pd.read_parquet(experiment / "trials.parquet")[["trial_id", "optuna_number"]].T.values))
        best = evaluate_best(results, small_synthetic, experiment, numbers.get, 2, limit)
    finally:
        ray.shutdown()

    trials = pd.read_parquet(experiment / "trials.parquet")
    assert set(trials["arch"]) == {"arch1", "arch2"}, "the draw must include both speeds to test anything"
    meeting = trials[trials["full_run_time_s"] <= limit]
    assert not meeting.empty and (meeting["arch"] == "arch1").all()
    assert (meeting["train_time_s"] <= limit).all()
    slow = trials[trials["arch"] == "arch2"]
    assert (slow["full_run_time_s"] > limit).all()
    assert (slow["epochs"] == 1).all() and (slow["state"] == "pruned").all()  # stopped at its first epoch
    assert best is not None and best["config"]["arch"] == "arch1" and best["full_run_time_s"] <= limit
