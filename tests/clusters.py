"""Real multi-node Ray clusters on this machine, for tests: each node its own temp dir (as a second
machine would have), token authentication, every node on 127.0.0.1; worker nodes added, and
killed with a real SIGKILL, while a search runs on them.

A plain module, not conftest (see loopback.py). The cluster is Ray's own `cluster_utils.Cluster`,
run in a process of its own so that Ray there reads RAY_AUTH_MODE=token from its start (Ray reads
it once per process); its shutdown stops exactly the processes it started, and a killed node's
processes are found below that node's raylet, never by name across the machine.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from loopback import free_port
from processes import descendants

# Reads one JSON command per line on stdin ({"add": {node args}} or {"forget": node_id}) and
# answers each with one JSON line; stops its cluster when stdin closes.
OWNER_SCRIPT = """
import json, sys
import ray._private.utils
from ray.cluster_utils import Cluster

def facts(node):
    return {"node_id": node.node_id, "raylet_pid": node.all_processes["raylet"][0].process.pid,
            "session_dir": node.get_session_dir_path()}

head_args, worker_args = json.loads(sys.argv[1]), json.loads(sys.argv[2])
cluster = Cluster(initialize_head=True, head_node_args=head_args)
# Job drivers find their cluster through the address file in the cluster's temp dir (as after
# `ray start`); without it Ray would pick any cluster it detects on this machine.
ray._private.utils.write_ray_address(cluster.gcs_address, head_args["temp_dir"])
nodes = {}
if worker_args:
    worker = cluster.add_node(**worker_args)
    nodes[worker.node_id] = worker
print(json.dumps({"gcs_address": cluster.gcs_address, "head": facts(cluster.head_node),
                  "workers": [facts(node) for node in nodes.values()]}), flush=True)
for line in sys.stdin:
    command = json.loads(line)
    if "add" in command:
        node = cluster.add_node(**command["add"])
        nodes[node.node_id] = node
        print(json.dumps(facts(node)), flush=True)
    else:  # a node the test killed: the cluster no longer stops it
        cluster.remove_node(nodes.pop(command["forget"]), allow_graceful=False)
        print(json.dumps({"forgotten": command["forget"]}), flush=True)
cluster.shutdown()
"""


class LocalCluster:
    """A head node and worker nodes on 127.0.0.1, started by `start()` and stopped by `stop()`.

    Its temp dirs and token lie in a folder of its own under the system's temp dir (a Unix socket's
    path must stay under 108 bytes; pytest's are too deep), removed by `stop()`.

    Args:
        head: Ray node arguments of the head (`num_cpus`, `num_gpus`, dashboard, system config).
        worker: those of the first worker node, None for none; `add_worker` starts more like it.
        env: environment variables of every process of the cluster, besides the defaults below.
    """

    def __init__(self, head: dict[str, Any], worker: dict[str, Any] | None, env: dict[str, str] | None = None):
        self._tmp = Path(tempfile.mkdtemp(prefix="ray-test-"))
        token = self._tmp / "auth_token"
        token.write_text(secrets.token_hex(32))
        # A client sends the token only with RAY_AUTH_MODE=token; it lives in this test's folder, not ~/.ray.
        self.auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
        # Every process of the cluster (agents, job drivers, trials) takes 127.0.0.1 as its node's
        # address instead of resolving this machine's outward one: the cluster stays on loopback.
        self.env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"} | self.auth | {
            "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"} | (env or {})
        self._head = {"node_ip_address": "127.0.0.1", "temp_dir": self._new_temp_dir("head"),
                      "include_dashboard": False} | head
        self._worker = worker
        self._owner: subprocess.Popen | None = None
        self.facts: dict[str, Any] = {}

    def start(self) -> dict[str, Any]:
        """Start the head and the first worker; their facts (GCS address, node ids, raylet pids)."""
        worker = self._worker_args() if self._worker is not None else None
        self._owner = subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, json.dumps(self._head), json.dumps(worker)],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=self.env)
        self.facts = self._answer()
        return self.facts

    def add_worker(self) -> dict[str, Any]:
        """A new worker node like the first (its own temp dir); its facts."""
        return self._ask({"add": self._worker_args()})

    def kill_node(self, node: dict[str, Any]) -> None:
        """SIGKILL a worker node's raylet and every process under it (its agents, its trial
        workers), as a lost machine; the cluster then no longer stops that node."""
        victims = [node["raylet_pid"]] + descendants(node["raylet_pid"])
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._ask({"forget": node["node_id"]})

    def stop(self) -> None:
        if self._owner is not None and self._owner.poll() is None:
            self._owner.stdin.close()
            self._owner.wait(timeout=120)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> "LocalCluster":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _worker_args(self) -> dict[str, Any]:
        # Free ports, not Ray's fixed defaults: another node or Ray instance on this machine may hold those.
        return {"node_ip_address": "127.0.0.1", "temp_dir": self._new_temp_dir("worker"),
                "dashboard_agent_listen_port": free_port()} | self._worker

    def _new_temp_dir(self, kind: str) -> str:
        folder = self._tmp / f"ray-{kind}-{len(list(self._tmp.glob(f'ray-{kind}-*')))}"
        folder.mkdir()
        return str(folder)

    def _ask(self, command: dict[str, Any]) -> dict[str, Any]:
        self._owner.stdin.write(json.dumps(command) + "\n")
        self._owner.stdin.flush()
        return self._answer()

    def _answer(self) -> dict[str, Any]:
        line = self._owner.stdout.readline()
        if not line:
            raise RuntimeError(f"the cluster's process ended (exit status {self._owner.wait()})")
        return json.loads(line)


def dashboard_args() -> dict[str, Any]:
    """Head arguments for a dashboard (and job API) on free ports of 127.0.0.1: its URL is
    http://127.0.0.1:<dashboard_port>."""
    return {"include_dashboard": True, "dashboard_host": "127.0.0.1", "dashboard_port": free_port(),
            "dashboard_agent_listen_port": free_port()}
