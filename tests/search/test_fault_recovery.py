"""A trial whose worker is killed (a real SIGKILL) resumes from its last checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _trial_worker_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-f", "ray::ImplicitFunc"], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


@pytest.mark.slow
def test_a_killed_trial_worker_resumes_from_its_checkpoint(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    search = subprocess.Popen(
        [sys.executable, "-m", "search.run", "--space", "smoke", "--samples", "1", "--max-epochs", "8",
         "--train-subset", "6000", "--output", "results", "--name", "fault"],
        cwd=tmp_path, env=env | {"PYTHONPATH": str(REPO_ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    experiment = tmp_path / "results" / "fault"
    try:
        deadline = time.monotonic() + 240
        while not list(experiment.glob("ray/*/checkpoint_000001")):  # two epochs done and saved
            assert search.poll() is None and time.monotonic() < deadline, "search ended before the kill"
            time.sleep(0.1)
        (victim,) = _trial_worker_pids()
        os.kill(victim, signal.SIGKILL)
        output, _ = search.communicate(timeout=300)
    finally:
        if search.poll() is None:
            search.kill()
    assert search.returncode == 0, output[-3000:]

    epochs = pd.read_parquet(experiment / "epochs.parquet")
    assert epochs["epoch"].tolist() == list(range(1, 9)), "resumed mid-way, not restarted from epoch 1"
    trials = pd.read_parquet(experiment / "trials.parquet")
    assert trials["state"].tolist() == ["complete"] and trials["epochs"].tolist() == [8]
    (trial,) = optuna.load_study(study_name="fault", storage=f"sqlite:///{experiment}/optuna.db").trials
    assert trial.state == optuna.trial.TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == list(range(1, 9))
