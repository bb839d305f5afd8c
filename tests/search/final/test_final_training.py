"""The final training on real searches (real local Ray clusters, synthetic faces): trained again on
all the training images with its validation curve recorded, resumed after its driver is killed (a
real SIGKILL), and the steps from the search's best checkpoint to the deliverable recorded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiment.schema import ENSEMBLE, FINAL, FINAL_TRAINING, FLIP_STEP, SEARCH_BEST

REPO_ROOT = Path(__file__).resolve().parents[3]
SEARCH = ["--space", "smoke", "--samples", "4", "--max-epochs", "2", "--max-concurrent", "2", "--output", "results"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}  # built-in data
    return env | {"PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}


def _run(cwd: Path, module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def finished_search(tmp_path_factory) -> Path:
    """A finished smoke search without a final training; tests work on copies of it."""
    workdir = tmp_path_factory.mktemp("final-search")
    done = _run(workdir, "search.run", *SEARCH, "--name", "searched")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return workdir / "results" / "searched"


def _copy(experiment: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "results" / experiment.name
    shutil.copytree(experiment, copy)
    return copy


def _saved_epochs(experiment: Path) -> int:
    """Epochs of the final training's newest checkpoint (Tune keeps one: checkpoint_<epoch - 1>)."""
    found = [int(path.name.split("_")[1]) + 1 for path in (experiment / "final" / "ray").glob("*/checkpoint_*")]
    return max(found, default=0)


def _reported_epochs(experiment: Path) -> list[int]:
    """Every epoch the final training reported, in order, across sessions (Tune appends to result.json)."""
    (result_file,) = (experiment / "final" / "ray").glob("*/result.json")
    return [json.loads(line)["epoch"] for line in result_file.read_text().splitlines() if line.strip()]


@pytest.mark.slow
def test_a_final_training_whose_driver_is_killed_resumes_from_its_last_epoch(finished_search, tmp_path):
    experiment = _copy(finished_search, tmp_path)
    epochs = 8
    driver = subprocess.Popen([sys.executable, "-m", "search.final", str(experiment), "--epochs", str(epochs),
                               "--members", "1"], cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while _saved_epochs(experiment) < 2:
            assert driver.poll() is None and time.monotonic() < deadline, "the final training ended before the kill"
            time.sleep(0.1)
        time.sleep(1)  # the experiment snapshot follows the checkpoint
        os.kill(driver.pid, signal.SIGKILL)  # the driver alone, as a lost terminal would
        driver.wait(timeout=30)
    finally:
        try:
            os.killpg(driver.pid, signal.SIGKILL)  # the Ray processes this driver started, by its process group
        except ProcessLookupError:
            pass
    before = _reported_epochs(experiment)
    assert 2 <= max(before) < epochs, before
    assert json.loads((experiment / "summary.json").read_text()).get(FINAL) is None  # it never got to finish

    resumed = _run(tmp_path, "search.final", str(experiment))
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "Resuming the final training" in resumed.stdout
    reported = _reported_epochs(experiment)
    # a restart would report epochs 1, 2, … again; a resume only the epoch in flight at the kill, if any
    assert reported.count(1) == 1 and reported.count(2) == 1, reported
    assert sorted(set(reported)) == list(range(1, epochs + 1)) and len(reported) - epochs <= 1, reported
    curve = pd.read_parquet(experiment / "final" / "epochs.parquet")
    assert sorted(curve["epoch"]) == list(range(1, epochs + 1)) and curve["val_acc"].notna().all()
    summary = json.loads((experiment / "summary.json").read_text())
    assert summary[FINAL]["status"] == "finished" and summary[FINAL]["members"][0]["epochs"] == epochs
    steps = [step["step"] for step in summary["best"]["steps"]]
    assert steps == [SEARCH_BEST, FINAL_TRAINING, FLIP_STEP, ENSEMBLE]
    again = _run(tmp_path, "search.final", str(experiment))
    assert again.returncode == 2 and "already has its final training" in again.stderr


@pytest.mark.slow
def test_search_run_with_a_final_budget_trains_again_on_all_images_and_delivers_from_every_step(tmp_path):
    done = _run(tmp_path, "search.run", *SEARCH, "--train-subset", "3000", "--name", "budget",
                "--final-budget-s", "120")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    experiment = tmp_path / "results" / "budget"
    summary = json.loads((experiment / "summary.json").read_text())
    final = summary[FINAL]
    assert final["status"] == "finished" and final["budget_s"] == 120 and final["train_images"] == 6000
    assert len(final["members"]) == 2 and all(m["epochs"] >= 1 for m in final["members"])
    trials = pd.read_parquet(experiment / "final" / "trials.parquet")
    assert (trials["state"] == "complete").all() and sorted(trials["epochs"]) == sorted(
        m["epochs"] for m in final["members"])
    best = summary["best"]
    assert [s["step"] for s in best["steps"]] == [SEARCH_BEST, FINAL_TRAINING, FLIP_STEP, ENSEMBLE]
    assert best["val_acc"] == max(s["val_acc"] for s in best["steps"])
    metrics = json.loads((experiment / "best" / "metrics.json").read_text())
    assert metrics["steps"] == best["steps"] and (experiment / "best" / "model.pt2").is_file()
    assert "final training" in done.stdout and "<- best/" in done.stdout
