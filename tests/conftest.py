"""Shared fixtures: real FER2013 when FER2013_PATH points at it, and a small synthetic set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from loopback import free_port
from trainables import Splits, synthetic_splits

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `gpu` run where CUDA is, and are skipped, saying why, where it is not."""
    import torch

    if torch.cuda.is_available():
        return
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="no CUDA device here (pytest -m gpu runs these on a GPU)"))


@pytest.fixture(scope="session")
def fer2013_path() -> Path:
    path = os.environ.get("FER2013_PATH")
    if not path or not Path(path).exists():
        pytest.skip("FER2013_PATH is not set to the real data set (.ci/run sets it)")
    return Path(path)


@pytest.fixture(scope="session")
def small_synthetic() -> Splits:
    """1,200 / 400 / 400 synthetic faces: enough to learn a little in one epoch, fast."""
    return synthetic_splits(sizes=(1200, 400, 400), seed=1)


@pytest.fixture(scope="session")
def smoke_experiment(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One real `smoke` search (real local Ray cluster, real SQLite Optuna study), shared by all tests.

    Runs the CLI as a user would, one trial at a time so ASHA's decisions are reproducible.
    """
    workdir = tmp_path_factory.mktemp("smoke-search")
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}  # built-in data
    completed = subprocess.run(
        [sys.executable, "-m", "search.run", "--space", "smoke", "--output", "results", "--name", "smoke",
         "--max-concurrent", "1"],
        cwd=workdir, env=env | {"PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return workdir / "results" / "smoke", completed


@pytest.fixture
def optuna_dashboard() -> Iterator[Callable[[str], str]]:
    """Starts real optuna-dashboard servers on 127.0.0.1 (given a storage URL, returns the base URL)
    and stops them after the test."""
    executable = Path(sys.executable).with_name("optuna-dashboard")
    assert executable.exists() or shutil.which("optuna-dashboard")
    servers = []

    def start(storage_url: str) -> str:
        port = free_port()
        servers.append(subprocess.Popen([str(executable), "--host", "127.0.0.1", "--port", str(port), "--quiet",
                                         storage_url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        return f"http://127.0.0.1:{port}"

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)
