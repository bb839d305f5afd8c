"""A search cut by --time-budget-s keeps what its running trials trained, and leaves no trial RUNNING."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import optuna
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_EPOCHS = 10_000  # more than fit in the budget on any device: every trial that starts is cut mid-run


@pytest.mark.slow
def test_trials_cut_by_the_time_budget_are_pruned_with_their_epochs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    run = subprocess.run(
        [sys.executable, "-m", "search.run", "--space", "smoke", "--samples", "4", "--max-epochs", str(MAX_EPOCHS),
         "--train-subset", "6000", "--time-budget-s", "15", "--output", "results", "--name", "budget"],
        cwd=tmp_path, env=env | {"PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    experiment = tmp_path / "results" / "budget"

    trials = pd.read_parquet(experiment / "trials.parquet")
    epochs = pd.read_parquet(experiment / "epochs.parquet")
    assert len(trials) >= 1 and set(trials["state"]) == {"pruned"}
    assert (trials["epochs"].between(1, MAX_EPOCHS - 1)).all()
    assert sorted(epochs["trial_id"].unique()) == sorted(trials["trial_id"])
    assert trials["epochs"].sum() == len(epochs)

    study = optuna.load_study(study_name="budget", storage=f"sqlite:///{experiment}/optuna.db")
    by_number = trials.set_index("optuna_number")
    for trial in study.trials:
        assert trial.state != optuna.trial.TrialState.RUNNING
        if trial.number in by_number.index:
            assert trial.state == optuna.trial.TrialState.PRUNED
            assert len(trial.intermediate_values) == by_number.loc[trial.number, "epochs"]
        else:  # asked, but the budget ran out before its first epoch
            assert trial.state == optuna.trial.TrialState.FAIL and "fail_reason" in trial.user_attrs
    assert "trials:  pruned" in run.stdout
