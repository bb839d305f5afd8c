"""A trial whose worker is killed (a real SIGKILL) resumes from its last checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest
from processes import command_line, descendants

REPO_ROOT = Path(__file__).resolve().parents[2]


def _trial_workers(driver: subprocess.Popen) -> list[int]:
    """This search's trial actors: below its driver, titled ray::ImplicitFunc by Ray."""
    return [pid for pid in descendants(driver.pid) if command_line(pid).startswith("ray::ImplicitFunc")]


def _reported_epochs(experiment: Path) -> list[int]:
    """Every epoch the trial reported, in order, across the kill (Tune appends to result.json)."""
    (result_file,) = experiment.glob("ray/*/result.json")
    return [json.loads(line)["epoch"] for line in result_file.read_text().splitlines() if line.strip()]


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
        (victim,) = _trial_workers(search)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.time()
        output, _ = search.communicate(timeout=300)
    finally:
        if search.poll() is None:
            search.kill()
    assert search.returncode == 0, output[-3000:]

    # A restart would report epochs 1, 2, … again; a resume goes on from the last checkpoint, so
    # only the epoch in flight at the kill (if any) is reported twice.
    reported = _reported_epochs(experiment)
    assert reported.count(1) == 1 and reported.count(2) == 1, reported
    assert sorted(set(reported)) == list(range(1, 9)) and len(reported) - 8 <= 1, reported
    epochs = pd.read_parquet(experiment / "epochs.parquet").set_index("epoch")
    assert epochs.loc[2, "reported_at"] < killed_at < epochs.loc[8, "reported_at"]  # kept from before the kill
    trials = pd.read_parquet(experiment / "trials.parquet")
    assert trials["state"].tolist() == ["complete"] and trials["epochs"].tolist() == [8]
    (trial,) = optuna.load_study(study_name="fault", storage=f"sqlite:///{experiment}/optuna.db").trials
    assert trial.state == optuna.trial.TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == list(range(1, 9))
