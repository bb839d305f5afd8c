"""optuna-dashboard, as a real server on 127.0.0.1, shows the smoke search truthfully."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from spaces import SPACES


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str, timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def dashboard(smoke_experiment):
    experiment = smoke_experiment[0]
    executable = Path(sys.executable).with_name("optuna-dashboard")
    assert executable.exists() or shutil.which("optuna-dashboard")
    port = _free_port()
    server = subprocess.Popen([str(executable), "--host", "127.0.0.1", "--port", str(port), "--quiet",
                               f"sqlite:///{experiment}/optuna.db"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_dashboard_lists_the_study_and_its_trials_with_their_states(dashboard):
    summaries = _get_json(f"{dashboard}/api/studies")["study_summaries"]
    (study,) = [s for s in summaries if s["study_name"] == "smoke"]
    detail = _get_json(f"{dashboard}/api/studies/{study['study_id']}")
    states = {trial["state"] for trial in detail["trials"]}
    assert len(detail["trials"]) == SPACES["smoke"].samples and {"Complete", "Pruned"} <= states
    for trial in detail["trials"]:
        attrs = {a["key"]: a["value"] for a in trial["user_attrs"]}
        assert int(attrs["epochs"]) == len(trial["intermediate_values"])
