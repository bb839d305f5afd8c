"""Trials that no node can hold: the progress line says what they wait for, and --max-wait-s ends
the search with one line and exit status 2, the results so far written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pandas as pd
import pytest

from search.callbacks.waiting import Waiting

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_search_whose_trials_fit_no_node_ends_after_max_wait_s(tmp_path):
    too_many = (os.cpu_count() or 1) + 1  # more CPUs than the local Ray cluster (this machine) has
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    run = subprocess.run(
        [sys.executable, "-m", "search.run", "--space", "smoke", "--samples", "2", "--cpus-per-trial", str(too_many),
         "--max-wait-s", "8", "--output", "results", "--name", "waits"],
        cwd=tmp_path, env=env | {"PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True, timeout=300)

    assert run.returncode == 2, run.stdout[-3000:] + run.stderr[-3000:]
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("search.run: error: search ended: for ") and "(--max-wait-s 8)" in line, line
    assert f"1 trial needs CPU {too_many}" in line and "no node of the cluster has that much" in line, line
    assert f"1 trial needs CPU {too_many}" in run.stdout  # said by the progress line while it waited

    experiment = tmp_path / "results" / "waits"
    assert json.loads((experiment / "summary.json").read_text())["status"] == "stalled"
    assert pd.read_parquet(experiment / "trials.parquet").empty  # none ran, and the files say so
    assert pd.read_parquet(experiment / "epochs.parquet").empty
    study = optuna.load_study(study_name="waits", storage=f"sqlite:///{experiment}/optuna.db")
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL]
    assert "fail_reason" in study.trials[0].user_attrs


@pytest.mark.parametrize("waiting, line", [
    (Waiting(trials=2, seconds=40.4, need={"CPU": 1.0, "GPU": 0.5}, free={"CPU": 3.0, "GPU": 0.0}),
     "waiting 40 s: 2 trials need GPU 0.5, none free"),
    (Waiting(trials=1, seconds=9, need={"CPU": 3.0}, free={"CPU": 2.0}, infeasible=True),
     "waiting 9 s: 1 trial needs CPU 3, free CPU 2, and no node of the cluster has that much"),
    (Waiting(trials=1, seconds=6, need={"CPU": 2.0}, free={"CPU": 3.0}),  # free, but on no one node
     "waiting 6 s: 1 trial needs CPU 2"),
])
def test_the_waiting_line_names_the_resources_that_are_short(waiting, line):
    assert waiting.describe() == line
