"""A search whose driver dies (a real SIGKILL) or is interrupted (a real SIGINT) resumes with
`--resume` and ends as if nothing had happened: every invariant is checked on the files and study."""

from __future__ import annotations

import collections
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import optuna
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES, MAX_EPOCHS = 6, 3
T = TypeVar("T")
SEARCH = ["--space", "smoke", "--samples", str(SAMPLES), "--max-epochs", str(MAX_EPOCHS), "--train-subset", "6000",
          "--max-concurrent", "1", "--output", "results"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    return env | {"PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}


def _start(cwd: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "search.run", *SEARCH, "--name", name], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _wait_until_two_finished_and_one_running(experiment: Path, driver: subprocess.Popen) -> pd.DataFrame:
    """Poll the Parquet files until ≥ 2 trials finished and another has reported two epochs (so
    that a restart, which would report its first epoch again, can be told from a resume)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert driver.poll() is None, "the search ended before it could be interrupted"
        try:
            trials = pd.read_parquet(experiment / "trials.parquet")
            epochs = pd.read_parquet(experiment / "epochs.parquet")
        except (OSError, ValueError):
            time.sleep(0.1)
            continue
        running = epochs[~epochs["trial_id"].isin(trials["trial_id"])]
        if len(trials) >= 2 and (running["epoch"] >= 2).any():
            return trials
        time.sleep(0.1)
    raise AssertionError("no moment with two finished trials and one running")


def _resume(cwd: Path, folder: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search.run", "--resume", folder], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=600)


def _reported_epochs(experiment: Path) -> dict[str, collections.Counter]:
    """Every epoch each trial reported, across both sessions (Tune's result.json, appended to)."""
    reported = {}
    for result_file in (experiment / "ray").glob("*/result.json"):
        lines = [json.loads(line) for line in result_file.read_text().splitlines() if line.strip()]
        if lines:
            reported[lines[0]["trial_id"]] = collections.Counter(line["epoch"] for line in lines)
    return reported


def _check_invariants(experiment: Path, finished_before: pd.DataFrame) -> None:
    trials = pd.read_parquet(experiment / "trials.parquet")
    epochs = pd.read_parquet(experiment / "epochs.parquet")
    assert len(trials) == SAMPLES and trials["trial_id"].is_unique
    assert sorted(trials["optuna_number"]) == list(range(SAMPLES))
    # every epoch of every trial, matching its epoch count (repeats show in Tune's result.json, below)
    for row in trials.itertuples():
        assert sorted(epochs.loc[epochs["trial_id"] == row.trial_id, "epoch"]) == list(range(1, row.epochs + 1))
    # finished trials keep their results
    kept = trials.set_index("trial_id").loc[finished_before["trial_id"]]
    for column in ("state", "epochs", "best_val_acc", "train_time_s"):
        assert kept[column].tolist() == finished_before[column].tolist(), column
    # no epoch trained twice, except the one in flight at the interruption (one trial at a time)
    repeats = sum(n - 1 for counts in _reported_epochs(experiment).values() for n in counts.values())
    assert repeats <= 1
    # the study: exactly one finished Optuna trial per Ray trial, with every intermediate value
    study = optuna.load_study(study_name=experiment.name, storage=f"sqlite:///{experiment}/optuna.db")
    assert len(study.trials) == SAMPLES
    assert all(t.state != optuna.trial.TrialState.RUNNING for t in study.trials)
    assert sorted(t.user_attrs["ray_trial_id"] for t in study.trials) == sorted(trials["trial_id"])
    by_id = trials.set_index("trial_id")
    for trial in study.trials:
        epochs = by_id.loc[trial.user_attrs["ray_trial_id"], "epochs"]
        assert sorted(trial.intermediate_values) == list(range(1, epochs + 1))
    # the outputs describe the whole experiment
    summary = json.loads((experiment / "summary.json").read_text())
    assert summary["status"] == "finished" and sum(summary["trials"].values()) == SAMPLES
    assert summary["best"]["steps"][0]["val_acc"] == pytest.approx(trials["best_val_acc"].max())
    assert (experiment / "best" / "model.pt").is_file() and (experiment / "report.html").is_file()
    lost = len(finished_before) - int(trials["trial_id"].isin(finished_before["trial_id"]).sum())
    print(f"\n{experiment.name}: trials lost {lost} of {len(finished_before)} finished before the interruption, "
          f"epochs repeated {repeats}, study trials {len(study.trials)} of {SAMPLES} requested")  # for the record (-s)


def _in_flight(experiment: Path) -> pd.DataFrame:
    """Trials that had reported epochs but not finished, as the files stand: trial id, Optuna
    number and last epoch reported."""
    trials = pd.read_parquet(experiment / "trials.parquet")
    epochs = pd.read_parquet(experiment / "epochs.parquet")
    running = epochs[~epochs["trial_id"].isin(trials["trial_id"])]
    return running.groupby(["trial_id", "optuna_number"], as_index=False)["epoch"].max()


def _rung_records(experiment: Path) -> dict[int, list[str]]:
    """The successive-halving rungs as the last experiment snapshot saved them: rung epoch → the
    trials recorded there, in order (the scheduler's state rides in Tune's callback states)."""
    newest = max((experiment / "ray").glob("callback-states-*.pkl"), key=lambda path: path.stat().st_mtime)
    states = pickle.loads(newest.read_bytes())
    (scheduler,) = [pickle.loads(state["scheduler"]) for state in states.values()
                    if isinstance(state, dict) and "scheduler" in state]
    return {epoch: list(recorded) for epoch, recorded in scheduler["rungs"].recorded.items()}


def _kill_leftovers(driver: subprocess.Popen) -> None:
    """Ray processes the killed driver started, if any outlived it: its own process group, not by name."""
    try:
        os.killpg(driver.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _interrupt_mid_search(tmp_path: Path, name: str,
                          interrupt: Callable[[subprocess.Popen], T]) -> tuple[Path, pd.DataFrame, subprocess.Popen, T]:
    """Start a search, call `interrupt` on its driver once two trials finished and one is running,
    and make sure the driver is gone afterwards, whatever `interrupt` did."""
    experiment = tmp_path / "results" / name
    driver = _start(tmp_path, name)
    try:
        finished = _wait_until_two_finished_and_one_running(experiment, driver)
        outcome = interrupt(driver)
    finally:
        if driver.poll() is None:
            driver.kill()
    return experiment, finished, driver, outcome


@pytest.mark.slow
def test_a_search_whose_driver_is_sigkilled_resumes_without_losing_or_repeating_work(tmp_path):
    def kill(driver: subprocess.Popen) -> None:
        os.kill(driver.pid, signal.SIGKILL)  # the driver alone, as a lost terminal or OOM kill would
        driver.wait(timeout=30)

    experiment, finished, driver, _ = _interrupt_mid_search(tmp_path, "killed", kill)
    _kill_leftovers(driver)
    assert not (experiment / "summary.json").exists()  # it never got to finish
    in_flight = _in_flight(experiment)  # as the dead driver left the files
    assert len(in_flight) == 1 and 2 <= in_flight["epoch"].iloc[0] < MAX_EPOCHS, in_flight  # killed mid-run
    trial_id, number, last_epoch = in_flight.iloc[0]

    resumed = _resume(tmp_path, "results/killed")
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "Resuming smoke" in resumed.stdout
    _check_invariants(experiment, finished)
    final = pd.read_parquet(experiment / "trials.parquet").set_index("optuna_number").loc[number]
    reported = _reported_epochs(experiment)[final["trial_id"]]
    if final["trial_id"] == trial_id:  # resumed: only its last epoch may come again (if Tune had not saved it)
        assert all(reported[epoch] == 1 for epoch in range(1, last_epoch)) and reported[last_epoch] <= 2, reported
    else:  # begun after Tune's last saved snapshot: asked again and trained from its first epoch
        assert final["reused_from"] is None and reported[1] == 1, (final, reported)
    # the scheduler's rung records came through Tuner.restore: the trials recorded before the kill
    # are still there, first, so every decision after the resume counted them
    (first_rung, *_), records = sorted(_rung_records(experiment)), _rung_records(experiment)
    before = [t for t in records[first_rung] if t in set(finished["trial_id"])]
    assert set(before) == set(finished["trial_id"]), records
    assert records[first_rung][:len(before)] == before, records
    print(f"the trial in flight at the kill (epoch {last_epoch}) was "
          f"{'resumed' if final['trial_id'] == trial_id else 'trained again as a new trial'}")


@pytest.mark.slow
def test_ctrl_c_stops_gracefully_prints_the_resume_command_and_the_resumed_search_completes(tmp_path):
    def ctrl_c(driver: subprocess.Popen) -> str:
        os.kill(driver.pid, signal.SIGINT)
        return driver.communicate(timeout=120)[0]

    experiment, finished, driver, output = _interrupt_mid_search(tmp_path, "interrupted", ctrl_c)
    assert driver.returncode == 130, output[-3000:]
    command = "python -m search.run --resume results/interrupted"
    assert output.strip().splitlines()[-1] == command
    summary = json.loads((experiment / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["best"] is None
    assert len(pd.read_parquet(experiment / "trials.parquet")) >= 2
    study = optuna.load_study(study_name="interrupted", storage=f"sqlite:///{experiment}/optuna.db")
    assert any(t.state == optuna.trial.TrialState.RUNNING for t in study.trials)  # paused, not pruned

    resumed = _resume(tmp_path, command.split()[-1])
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    _check_invariants(experiment, finished)


@pytest.mark.slow
def test_a_second_ctrl_c_exits_at_once_and_the_search_still_resumes(tmp_path):
    def ctrl_c_twice(driver: subprocess.Popen) -> tuple[str, float]:
        os.kill(driver.pid, signal.SIGINT)
        time.sleep(0.5)
        second = time.monotonic()
        os.kill(driver.pid, signal.SIGINT)
        output = driver.communicate(timeout=60)[0]
        return output, time.monotonic() - second

    experiment, finished, driver, (output, exited_after_s) = _interrupt_mid_search(tmp_path, "twice", ctrl_c_twice)
    _kill_leftovers(driver)
    assert driver.returncode == 130, output[-3000:]
    assert exited_after_s < 5
    assert "second SIGINT: exiting now; the experiment is resumable with: " \
           "python -m search.run --resume results/twice" in output

    resumed = _resume(tmp_path, "results/twice")
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    _check_invariants(experiment, finished)
