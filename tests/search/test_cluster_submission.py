"""`ray job submit` to a real two-node Ray cluster on this machine: a CPU-only head and a worker
that declares two (fake) GPUs. GPU trials land on the worker, find no CUDA there, train on
its CPU and say so; the upload leaves virtual environments, results and .git behind."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import optuna
import pandas as pd
import pytest

from spaces import SPACES

REPO_ROOT = Path(__file__).resolve().parents[2]
RAY = str(Path(sys.executable).with_name("ray"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """Ray's own `cluster_utils.Cluster`: its shutdown stops exactly the processes it started."""
    from ray.cluster_utils import Cluster

    previous = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "token"
    subprocess.run([RAY, "get-auth-token", "--generate"], capture_output=True, check=False)
    dashboard_port = _free_port()
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "num_gpus": 0, "node_ip_address": "127.0.0.1", "include_dashboard": True,
        "dashboard_host": "127.0.0.1", "dashboard_port": dashboard_port,
        "temp_dir": str(tmp_path_factory.mktemp("ray-tmp"))})
    worker = cluster.add_node(num_cpus=2, num_gpus=2, node_ip_address="127.0.0.1")
    try:
        yield cluster, worker, f"http://127.0.0.1:{dashboard_port}"
    finally:
        cluster.shutdown()
        if previous is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = previous


@pytest.mark.slow
def test_a_smoke_search_submitted_as_a_job_runs_its_gpu_trials_on_the_worker(two_node_cluster, tmp_path):
    cluster, worker, address = two_node_cluster
    checkout = _checkout_with_clutter(tmp_path)
    output = tmp_path / "results"
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    submit = subprocess.run(
        [RAY, "job", "submit", "--address", address, "--working-dir", str(checkout), "--",
         "python", "-m", "search.run", "--space", "smoke", "--gpus-per-trial", "0.5", "--output", str(output),
         "--name", "job"],
        env=env | {"RAY_AUTH_MODE": "token"}, capture_output=True, text=True, timeout=600)
    logs = submit.stdout + submit.stderr
    assert submit.returncode == 0, logs[-4000:]
    assert "succeeded" in logs.lower()

    experiment = output / "job"
    trials = pd.read_parquet(experiment / "trials.parquet")
    assert len(trials) == SPACES["smoke"].samples
    worker_id = worker.node_id[:8]
    assert all(worker_id in node for node in trials["node"]), trials["node"].tolist()
    assert set(trials["device"]) == {"cpu"}
    assert "was given 0.5 GPU" in logs and "it trains on the CPU (device=cpu)" in logs
    epochs = pd.read_parquet(experiment / "epochs.parquet")
    assert len(epochs) == trials["epochs"].sum()
    study = optuna.load_study(study_name="job", storage=f"sqlite:///{experiment}/optuna.db")
    assert len(study.trials) == SPACES["smoke"].samples
    assert all(t.state.is_finished() for t in study.trials)
    assert (experiment / "best" / "model.pt").is_file() and (experiment / "summary.json").is_file()

    session = Path(cluster.head_node.get_session_dir_path())
    (package,) = [p for p in (session / "runtime_resources" / "working_dir_files").iterdir() if p.is_dir()]
    uploaded = sum(f.stat().st_size for f in package.rglob("*") if f.is_file())
    assert uploaded < 3 * 1024 * 1024, f"the job uploaded {uploaded / 2**20:.1f} MiB"
    assert not (package / ".venv").exists() and not (package / "results").exists()
    assert not (package / ".git").exists()
