"""The nodes of a cluster started from `cluster.yaml` listen where the file says and nowhere else:
its head and worker `ray start` commands, run here as they are (each port moved to a free one,
each node its own temp dir), with a driver and an actor on them; every socket their processes
listen on is one of the ports the file names, or on 127.0.0.1."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from loopback import free_port
from processes import command_line, descendants, listening_sockets

REPO_ROOT = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).with_name("ray"))
DRIVER = """
import sys, time, ray
ray.init(address=sys.argv[1])
@ray.remote
class Probe:
    def ping(self):
        return "pong"
probe = Probe.remote()
assert ray.get(probe.ping.remote()) == "pong"
print("ready", flush=True)
time.sleep(600)
"""


def _ray_start(config: dict, section: str) -> str:
    (command,) = [c for c in config[section] if "ray start" in c]
    return next(part for part in command.split(";") if "ray start" in part)


def _runnable(command: str, temp_dir: str, head_address: str | None) -> tuple[dict[str, str], list[str], set[int]]:
    """(environment, arguments, ports it names) of a `ray start` command of cluster.yaml, every port
    moved to a free one on this machine; the worker port range moved to 40 ports that are free now."""
    words = shlex.split(command)
    start = words.index("ray")
    env, args, named = {}, [RAY], set()
    for word in words[:start]:
        name, value = word.split("=", 1)
        env[name] = str(free_port()) if name.endswith("_PORT") else value
        named |= {int(env[name])} if name.endswith("_PORT") else set()
    low = _free_range(40)
    for word in words[start + 1:]:
        flag, _, value = word.partition("=")
        if flag == "--autoscaling-config":
            continue  # the launcher's file, not on this machine (the autoscaler then only watches)
        if flag == "--min-worker-port":
            value = str(low)
        elif flag == "--max-worker-port":
            value = str(low + 39)
        elif flag == "--address":
            value = head_address
        elif flag.endswith("-port") or flag == "--port":
            value = str(free_port())
            named.add(int(value))
        args.append(f"{flag}={value}" if value else flag)
    named |= set(range(low, low + 40))
    dashboard = free_port()  # cluster.yaml leaves it at Ray's 8265, on 127.0.0.1, which another Ray here may hold
    args += [f"--temp-dir={temp_dir}", "--block", "--num-cpus=1", "--disable-usage-stats"]
    args += [f"--dashboard-port={dashboard}"] if "--head" in args else []
    return env, args, named


def _free_range(size: int) -> int:
    while True:
        low = free_port()
        if low + size < 65536 and all(_is_free(port) for port in range(low, low + size)):
            return low


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def _outward_address() -> str:
    """The address Ray takes for this machine's node (it asks the kernel the same way)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("8.8.8.8", 80))  # no packet is sent
        return sock.getsockname()[0]


def _stop(process: subprocess.Popen) -> None:
    for pid in [process.pid] + descendants(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


@pytest.mark.slow
def test_a_cluster_from_cluster_yaml_listens_only_where_the_file_says():
    config = yaml.safe_load((REPO_ROOT / "cluster.yaml").read_text())
    temp = Path(tempfile.mkdtemp(prefix="ray-ports-"))  # short: Unix socket paths stay under 108 bytes
    (temp / "token").write_text("t" * 64)
    base = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")}
    base |= {"RAY_AUTH_TOKEN_PATH": str(temp / "token")}
    processes = []
    try:
        head_env, head_args, head_ports = _runnable(_ray_start(config, "head_start_ray_commands"), str(temp / "h"),
                                                    None)
        processes.append(subprocess.Popen(head_args, env=base | head_env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        gcs = next(int(a.split("=")[1]) for a in head_args if a.startswith("--port="))
        address = f"{_outward_address()}:{gcs}"
        worker_env, worker_args, worker_ports = _runnable(_ray_start(config, "worker_start_ray_commands"),
                                                          str(temp / "w"), address)
        deadline = time.monotonic() + 120
        while gcs not in {port for _, port, _ in listening_sockets(descendants(processes[0].pid))}:
            assert processes[0].poll() is None and time.monotonic() < deadline, "the head did not start"
            time.sleep(0.5)
        processes.append(subprocess.Popen(worker_args, env=base | worker_env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        driver = subprocess.Popen([sys.executable, "-c", DRIVER, address], env=base | {"RAY_AUTH_MODE": "token"},
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(driver)
        said = []
        while not said or said[-1].strip() != "ready":  # Ray's own lines first, then the probe's answer
            said.append(driver.stdout.readline())
            assert said[-1], "".join(said)[-3000:]
        time.sleep(5)  # the worker node's agents, if slower than the actor
        pids = [pid for process in processes for pid in [process.pid] + descendants(process.pid)]
        sockets = [(address, port, command_line(pid)[:60]) for address, port, pid in listening_sockets(pids)]
    finally:
        for process in reversed(processes):
            _stop(process)
        shutil.rmtree(temp, ignore_errors=True)

    named = head_ports | worker_ports
    assert gcs in {port for _, port, _ in sockets}
    elsewhere = [(address, port, process) for address, port, process in sockets
                 if port not in named and address not in ("127.0.0.1", "::ffff:127.0.0.1", "::1")]
    assert not elsewhere, elsewhere
    print("\n".join(f"{address}:{port}  {process}" for address, port, process in sockets))  # with pytest -s