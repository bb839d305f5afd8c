"""`ray job submit` to a real two-node Ray cluster on this machine: a CPU-only head and a worker
that declares two (fake) GPUs. GPU trials land on the worker, find no CUDA there, train on
its CPU and say so; the upload leaves virtual environments, results and .git behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest

from clusters import LocalCluster, dashboard_args
from spaces import SPACES

REPO_ROOT = Path(__file__).resolve().parents[2]
RAY = str(Path(sys.executable).with_name("ray"))



def _checkout_with_clutter(tmp_path: Path) -> Path:
    """The project's tracked files, plus what lies beside them in a real checkout: a virtual
    environment, a results folder, a git folder (20 MiB each)."""
    checkout = tmp_path / "checkout"
    for relative in subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True,
                                   check=True).stdout.split():
        target = checkout / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / relative, target)
    for clutter in (".venv/lib/big.bin", "results/old-experiment/big.bin", ".git/objects/big.pack"):
        (checkout / clutter).parent.mkdir(parents=True, exist_ok=True)
        (checkout / clutter).write_bytes(os.urandom(20 * 1024 * 1024))
    return checkout


@pytest.fixture(scope="module")
def two_node_cluster(tmp_path_factory):
    """A CPU-only head with the dashboard (and job API) and a worker that declares two GPUs.

    Yields the cluster's facts, its dashboard address, and the environment a client needs to be
    let in (its token lives in this test's temp dir)."""
    dashboard = dashboard_args()
    with LocalCluster(head={"num_cpus": 1, "num_gpus": 0, **dashboard},
                      worker={"num_cpus": 2, "num_gpus": 2}) as cluster:
        yield cluster.facts, f"http://127.0.0.1:{dashboard['dashboard_port']}", cluster.auth


@pytest.mark.slow
def test_a_smoke_search_submitted_as_a_job_runs_its_gpu_trials_on_the_worker(two_node_cluster, tmp_path):
    facts, address, auth = two_node_cluster
    checkout = _checkout_with_clutter(tmp_path)
    output = tmp_path / "results"
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    command = [RAY, "job", "submit", "--address", address, "--working-dir", str(checkout), "--",
               "python", "-m", "search.run", "--space", "smoke", "--gpus-per-trial", "0.5", "--output", str(output),
               "--name", "job"]
    deadline, started = time.monotonic() + 120, time.monotonic()
    while True:  # the head's job agent needs a moment after the cluster is up
        submit = subprocess.run(command, env=env | auth, capture_output=True, text=True, timeout=600)
        logs = submit.stdout + submit.stderr
        if "No available agent to submit job" not in logs or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert submit.returncode == 0, logs[-4000:]
    assert "succeeded" in logs.lower()

    experiment = output / "job"
    trials = pd.read_parquet(experiment / "trials.parquet")
    assert len(trials) == SPACES["smoke"].samples
    worker_id = facts["workers"][0]["node_id"][:8]
    assert all(len(nodes) == 1 and worker_id in nodes[0] for nodes in trials["nodes"]), trials["nodes"].tolist()
    assert set(trials["device"]) == {"cpu"}
    assert "was given 0.5 GPU" in logs and "it trains on the CPU (device=cpu)" in logs
    epochs = pd.read_parquet(experiment / "epochs.parquet")
    assert len(epochs) == trials["epochs"].sum()
    study = optuna.load_study(study_name="job", storage=f"sqlite:///{experiment}/optuna.db")
    assert len(study.trials) == SPACES["smoke"].samples
    assert all(t.state.is_finished() for t in study.trials)
    assert (experiment / "best" / "model.pt").is_file() and (experiment / "summary.json").is_file()

    session = Path(facts["head"]["session_dir"])
    (package,) = [p for p in (session / "runtime_resources" / "working_dir_files").iterdir() if p.is_dir()]
    uploaded = sum(f.stat().st_size for f in package.rglob("*") if f.is_file())
    assert uploaded < 3 * 1024 * 1024, f"the job uploaded {uploaded / 2**20:.1f} MiB"
    assert not (package / ".venv").exists() and not (package / "results").exists()
    assert not (package / ".git").exists()
    # What the closing note of the cluster issue quotes (shown with pytest -s):
    print(f"\njob took {time.monotonic() - started:.0f} s; upload {uploaded / 2**20:.2f} MiB unpacked; "
          f"worker node {worker_id}")
    print(trials[["trial_id", "state", "nodes", "device"]].to_string(index=False))
    print("\n".join(submit.stdout.strip().splitlines()[-8:]))  # the job's last status lines
