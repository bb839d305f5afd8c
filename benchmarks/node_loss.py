"""Node losses on a real two-node Ray cluster: what a search loses when its worker node dies.

Each run starts the tests' cluster (`tests/clusters.py`: a head with 1 CPU, a worker with 2,
each its own temp dir, token auth, on 127.0.0.1), runs `python -m search.run` on it as a driver
(trials of 1 CPU: one on the head, two on the worker), and `--losses` times kills the worker with
SIGKILL (its raylet and every process under it) once a trial has reported an epoch from it, and
starts a replacement. Per run: each trial's losses, epochs reported twice (a whole epoch trained
again: must be 0), the epochs trained again (the share of its epoch in flight each moved trial had
trained at the kill, from its reports' times), trials lost (failed after losses: must be 0),
seconds from each kill to the next epoch of a trial that was on the killed node, and wall time.

    python -m benchmarks.node_loss [--runs 3] [--losses 2] [--samples 4] [--max-epochs 8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.search_runs import machine_line

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))  # the cluster the tests start, so both measure the same thing
from clusters import LocalCluster  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--losses", type=int, default=2)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--max-epochs", type=int, default=8)
    parser.add_argument("--train-subset", type=int, default=1400)
    args = parser.parse_args()
    flags = ["--space", "smoke", "--samples", str(args.samples), "--max-epochs", str(args.max_epochs),
             "--train-subset", str(args.train_subset), "--cpus-per-trial", "1"]
    print(f"machine: {machine_line()}\nflags: {' '.join(flags)}; worker killed {args.losses} times per run",
          flush=True)
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="node-loss-") as folder:
            row = one_run(Path(folder), flags, args.losses)
        print(f"run {run}: {row}", flush=True)


def one_run(folder: Path, flags: list[str], losses: int) -> str:
    with LocalCluster(head={"num_cpus": 1, "num_gpus": 0,
                            "_system_config": {"health_check_period_ms": 1000, "health_check_failure_threshold": 3}},
                      worker={"num_cpus": 2, "num_gpus": 0}) as cluster:
        env = {k: v for k, v in cluster.env.items() if k != "FER2013_PATH"}
        started = time.monotonic()
        search = subprocess.Popen(
            [sys.executable, "-m", "search.run", *flags, "--output", str(folder), "--name", "loss"],
            env=env | {"RAY_ADDRESS": cluster.facts["gcs_address"], "PYTHONPATH": str(REPO_ROOT)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        experiment, worker, kills = folder / "loss", cluster.facts["workers"][0], []
        for _ in range(losses):
            on_worker = _wait_for_a_running_trial_on(worker, experiment, search)
            if on_worker is None:
                break  # the search ended first
            cluster.kill_node(worker)
            kills.append((time.time(), on_worker))
            worker = cluster.add_worker()
        output, _ = search.communicate()
        wall_s = time.monotonic() - started
    if search.returncode != 0:
        return f"search failed (exit status {search.returncode}): {output[-2000:]}"
    trials = pd.read_parquet(experiment / "trials.parquet")
    epochs = pd.read_parquet(experiment / "epochs.parquet")
    twice = sum(len(r) - len(set(r)) for r in _reported_epochs(experiment).values())
    resumed = [epochs[(epochs["trial_id"].isin(ids)) & (epochs["reported_at"] > at)]["reported_at"].min() - at
               for at, ids in kills]
    retrained = sum(_in_flight(epochs, trial_id, at) for at, ids in kills for trial_id in ids)
    lost = int(((trials["node_losses"] > 0) & (trials["state"] == "failed")).sum())
    return (f"losses per trial {sorted(trials['node_losses'].tolist(), reverse=True)}, epochs reported twice {twice}, "
            f"epochs trained again {retrained:.2f} (the ones in flight at the kills), "
            f"trials lost {lost} of {len(trials)} ({_states(trials)}), "
            f"kill → next epoch of a moved trial {', '.join(f'{s:.0f} s' for s in resumed)}, "
            f"{len(epochs)} epochs, wall {wall_s:.0f} s, kills {len(kills)}")


def _states(trials: pd.DataFrame) -> str:
    return ", ".join(f"{state} {n}" for state, n in trials["state"].value_counts().items())


def _in_flight(epochs: pd.DataFrame, trial_id: str, killed_at: float) -> float:
    """The share of an epoch a trial had trained when its node was killed (trained again after):
    seconds since its last report before the kill, over its median seconds per reported epoch."""
    mine = epochs[epochs["trial_id"] == trial_id]
    before = mine[mine["reported_at"] < killed_at]["reported_at"]
    per_epoch = mine["epoch_time_s"].add(mine["eval_time_s"]).median()
    return min(1.0, (killed_at - before.max()) / per_epoch) if len(before) and per_epoch > 0 else 0.0


def _wait_for_a_running_trial_on(node: dict, experiment: Path, search: subprocess.Popen) -> list[str] | None:
    """The trials whose latest report came from `node` and that have not finished, once there is one."""
    while search.poll() is None:
        latest = {}
        for trial_id, reports in _reports(experiment).items():
            latest[trial_id] = reports[-1]
        running = [t for t, r in latest.items() if node["node_id"][:8] in r.get("node", "") and not r.get("done")]
        finished = _finished(experiment)
        running = [t for t in running if t not in finished]
        if running:
            return running
        time.sleep(0.1)
    return None


def _reports(experiment: Path) -> dict[str, list[dict]]:
    found = {}
    for path in experiment.glob("ray/*/result.json"):
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if lines:
            found[lines[0]["trial_id"]] = lines
    return found


def _reported_epochs(experiment: Path) -> dict[str, list[int]]:
    return {t: [r["epoch"] for r in reports if "epoch" in r] for t, reports in _reports(experiment).items()}


def _finished(experiment: Path) -> set[str]:
    try:
        return set(pd.read_parquet(experiment / "trials.parquet")["trial_id"])
    except (OSError, ValueError):
        return set()


if __name__ == "__main__":
    main()
