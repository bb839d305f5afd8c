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
from experiment.schema import EPOCHS_SCHEMA, TRIALS_SCHEMA
from search.best import evaluate_best
from search.options import SearchOptions
from search.study.optuna_searcher import EPOCH_VALUES
from search.tuner import run_search
from spaces import SPACES
from spaces.space import SearchSpace, choice
from trainables import Hyperparameters, TrialSettings, run_trial

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


def _seconds_per_epoch(splits, arch: str) -> float:
    """This device's seconds for an epoch of `arch` after the first (which carries warm-up)."""
    reports = []
    run_trial(Hyperparameters(arch=arch, optimizer="adamw", lr=0.003), TrialSettings(max_epochs=2), splits,
              lambda metrics, checkpoint: reports.append(metrics), threads=1)
    return reports[-1]["epoch_time_s"]


@pytest.mark.slow
def test_trials_too_slow_for_the_training_time_limit_stop_by_their_second_epoch(tmp_path, small_synthetic):
    """The limit lies between what a full run of arch1 and of arch2 takes on this device, measured
    first, so the test holds on a CPU and on a GPU alike."""
    fast, slow = _seconds_per_epoch(small_synthetic, "arch1"), _seconds_per_epoch(small_synthetic, "arch2")
    assert slow > 2 * fast, f"arch2 ({slow:.3g} s/epoch) should be well slower than arch1 ({fast:.3g})"
    max_epochs = 4
    limit = (fast * slow) ** 0.5 * max_epochs  # the geometric mean: a margin of √(slow/fast) either way
    space = SearchSpace(name="two-archs", description="a fast and a slow architecture",
                        dimensions={"arch": choice("arch1", "arch2"), "optimizer": choice("adamw"),
                                    "lr": choice(0.003, 0.001)},
                        samples=4, max_epochs=max_epochs, prune=False)
    experiment = tmp_path / "limited"
    experiment.mkdir()
    options = SearchOptions(space=space, experiment_dir=experiment, storage_url=f"sqlite:///{experiment}/optuna.db",
                            study_name="limited", samples=4, max_epochs=max_epochs, grace_epochs=1,
                            reduction_factor=3, cpus_per_trial=1, gpus_per_trial=0, max_concurrent=1, seed=0,
                            time_budget_s=None, precision="auto", sampler="tpe", reuse=False, max_train_time_s=limit)
    try:
        results = run_search(options, small_synthetic)
        numbers = dict(zip(*pd.read_parquet(experiment / "trials.parquet")[["trial_id", "optuna_number"]].T.values))
        best = evaluate_best(results, small_synthetic, experiment, numbers.get, max_epochs, limit)
    finally:
        ray.shutdown()

    trials = pd.read_parquet(experiment / "trials.parquet")
    assert set(trials["arch"]) == {"arch1", "arch2"}, "the draw must include both speeds to test anything"
    too_slow = trials[trials["arch"] == "arch2"]
    # stopped by the limit, not run to the end: at epoch 1 only when that epoch alone used up the limit
    # (it may be warm-up), else at epoch 2 once the projection says so
    assert (too_slow["state"] == "pruned").all() and too_slow["epochs"].isin([1, 2]).all()
    assert (too_slow.loc[too_slow["epochs"] == 1, "train_time_s"] > limit).all()
    assert (too_slow["full_run_time_projected"]).all() and (too_slow["full_run_time_s"] > limit).all()
    fitting = trials[trials["arch"] == "arch1"]
    assert (fitting["state"] == "complete").all() and (fitting["full_run_time_s"] <= limit).all()
    # TPE saw the limit as a constraint: a full run's time minus the limit, > 0 for the slow ones
    study = optuna.load_study(study_name="limited", storage=options.storage_url)
    for trial in study.trials:
        (violation,) = trial.system_attrs["constraints"]
        assert violation == pytest.approx(trial.user_attrs["full_run_time_s"] - limit)
        assert (violation > 0) == (trial.params["arch"] == "arch2")
    assert best is not None and best["config"]["arch"] == "arch1" and best["full_run_time_s"] <= limit
