"""`ray job submit` to a real two-node Ray cluster on this machine: a CPU-only head and a worker
that declares two (fake) GPUs. GPU trials land on the worker, find no CUDA there, train on
its CPU and say so; the upload leaves virtual environments, results and .git behind."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest

from loopback import free_port
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


# Run in its own process so that Ray there reads RAY_AUTH_MODE=token from its start (Ray reads it
# once per process); it prints the cluster's facts, then stops its cluster when its stdin closes.
CLUSTER_SCRIPT = """
import json, sys
from ray.cluster_utils import Cluster
cluster = Cluster(initialize_head=True, head_node_args={
    "num_cpus": 1, "num_gpus": 0, "node_ip_address": "127.0.0.1", "include_dashboard": True,
    "dashboard_host": "127.0.0.1", "dashboard_port": int(sys.argv[1]), "temp_dir": sys.argv[2],
    "dashboard_agent_listen_port": int(sys.argv[3])})
# Its own temp dir, as a second machine would have: otherwise both nodes share one copy of the
# job's working directory, and the worker deletes it under the driver when its trials end.
worker = cluster.add_node(num_cpus=2, num_gpus=2, node_ip_address="127.0.0.1", temp_dir=sys.argv[4])
# Job drivers find their cluster through the address file in the cluster's temp dir (as after
# `ray start`); without it Ray would pick any cluster it detects on this machine.
import ray._private.utils
ray._private.utils.write_ray_address(cluster.gcs_address, sys.argv[2])
print(json.dumps({"worker_node_id": worker.node_id, "session_dir": cluster.head_node.get_session_dir_path()}),
      flush=True)
sys.stdin.read()
cluster.shutdown()
"""


@pytest.fixture(scope="module")
def two_node_cluster(tmp_path_factory):
    """Ray's own `cluster_utils.Cluster`: its shutdown stops exactly the processes it started.

    Yields the cluster's facts, its dashboard address, and the environment a client needs to be
    let in: its token lives in this test's temp dir (`RAY_AUTH_TOKEN_PATH`), not in ~/.ray."""
    token = tmp_path_factory.mktemp("ray-token") / "auth_token"
    token.write_text(secrets.token_hex(32))
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    dashboard_port = free_port()
    # Every process of this cluster (agents, job drivers, trials) then takes 127.0.0.1 as its node's
    # address instead of resolving it to this machine's outward one: the cluster stays on loopback.
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"} | auth
    env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    # Free ports, not Ray's fixed defaults: another Ray instance on this machine may hold those.
    owner = subprocess.Popen([sys.executable, "-c", CLUSTER_SCRIPT, str(dashboard_port),
                              str(tmp_path_factory.mktemp("ray-head")), str(free_port()),
                              str(tmp_path_factory.mktemp("ray-worker"))],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        facts = json.loads(owner.stdout.readline())
        yield facts, f"http://127.0.0.1:{dashboard_port}", auth
    finally:
        owner.stdin.close()
        owner.wait(timeout=120)


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
    worker_id = facts["worker_node_id"][:8]
    assert all(worker_id in node for node in trials["node"]), trials["node"].tolist()
    assert set(trials["device"]) == {"cpu"}
    assert "was given 0.5 GPU" in logs and "it trains on the CPU (device=cpu)" in logs
    epochs = pd.read_parquet(experiment / "epochs.parquet")
    assert len(epochs) == trials["epochs"].sum()
    study = optuna.load_study(study_name="job", storage=f"sqlite:///{experiment}/optuna.db")
    assert len(study.trials) == SPACES["smoke"].samples
    assert all(t.state.is_finished() for t in study.trials)
    assert (experiment / "best" / "model.pt").is_file() and (experiment / "summary.json").is_file()

    session = Path(facts["session_dir"])
    (package,) = [p for p in (session / "runtime_resources" / "working_dir_files").iterdir() if p.is_dir()]
    uploaded = sum(f.stat().st_size for f in package.rglob("*") if f.is_file())
    assert uploaded < 3 * 1024 * 1024, f"the job uploaded {uploaded / 2**20:.1f} MiB"
    assert not (package / ".venv").exists() and not (package / "results").exists()
    assert not (package / ".git").exists()
    # What the closing note of the cluster issue quotes (shown with pytest -s):
    print(f"\njob took {time.monotonic() - started:.0f} s; upload {uploaded / 2**20:.2f} MiB unpacked; "
          f"worker node {facts['worker_node_id'][:8]}")
    print(trials[["trial_id", "state", "node", "device"]].to_string(index=False))
    print("\n".join(submit.stdout.strip().splitlines()[-8:]))  # the job's last status lines
