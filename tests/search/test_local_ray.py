"""A search on one machine opens no port to the network: every socket its process tree listens on
while trials run (its own Ray: GCS, raylet, agents, driver, trial workers) is on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from processes import command_line, descendants, listening_sockets

from search.local_ray import is_loopback

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_local_search_listens_on_loopback_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    search = subprocess.Popen(
        [sys.executable, "-m", "search.run", "--space", "smoke", "--samples", "2", "--max-epochs", "3",
         "--train-subset", "1400", "--output", "results", "--name", "ports"],
        cwd=tmp_path, env=env | {"PYTHONPATH": str(REPO_ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    epochs = tmp_path / "results" / "ports" / "epochs.parquet"
    try:
        deadline = time.monotonic() + 300
        while not (epochs.is_file() and pq.read_metadata(epochs).num_rows):  # a trial is training
            assert search.poll() is None and time.monotonic() < deadline, "the search ended before a trial reported"
            time.sleep(0.2)
        tree = [search.pid] + descendants(search.pid)
        sockets = listening_sockets(tree)
        output, _ = search.communicate(timeout=300)
    finally:
        if search.poll() is None:
            search.kill()
    assert search.returncode == 0, output[-3000:]

    assert search.pid in {pid for _, _, pid in sockets}  # the driver's own server is among them
    assert len({pid for _, _, pid in sockets}) >= 4, sockets  # driver, GCS, raylet, agents, trial workers
    exposed = [(address, port, command_line(pid)[:60]) for address, port, pid in sockets if not is_loopback(address)]
    assert not exposed, exposed
