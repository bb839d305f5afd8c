"""A search from a space file: the file's content is recorded, so the report shows it and a
resume does not need the file any more."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = """extends: smoke
name: tiny
dimensions:
  lr: {log_uniform: [0.001, 0.05]}
  activation: null
samples: 4
max_epochs: 3
train_subset: 1500
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    return env | {"PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}


@pytest.mark.slow
def test_a_search_from_a_yaml_file_records_it_and_resumes_without_it(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY)
    experiment = tmp_path / "results" / "fromfile"
    driver = subprocess.Popen([sys.executable, "-m", "search.run", "--space", "tiny.yaml", "--output", "results",
                               "--name", "fromfile", "--max-concurrent", "1"], cwd=tmp_path, env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not (experiment / "epochs.parquet").exists() or pd.read_parquet(experiment / "epochs.parquet").empty:
            assert driver.poll() is None and time.monotonic() < deadline, "the search ended before the Ctrl-C"
            time.sleep(0.2)
        os.kill(driver.pid, signal.SIGINT)
        output = driver.communicate(timeout=120)[0]
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == 130, output[-2000:]
    record = json.loads((experiment / "search.json").read_text())["options"]
    assert record["space"] == "tiny" and record["space_file"] == "tiny.yaml"
    assert record["space_spec"]["dimensions"]["lr"] == {"log_uniform": [0.001, 0.05]}

    (tmp_path / "tiny.yaml").unlink()  # the resume reads the recorded content, not the file
    resumed = subprocess.run([sys.executable, "-m", "search.run", "--resume", "results/fromfile"], cwd=tmp_path,
                             env=_env(), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    trials = pd.read_parquet(experiment / "trials.parquet")
    assert len(trials) == 4 and trials["lr"].between(0.001, 0.05).all()
    assert set(trials["activation"]) == {"relu"}  # dropped from the space: its default
    summary = json.loads((experiment / "summary.json").read_text())
    assert summary["space"] == "tiny" and summary["space_file"] == "tiny.yaml"
    report = (experiment / "report.html").read_text()
    assert "from the file <code>tiny.yaml</code>" in report and "log_uniform: [0.001, 0.05]" in report
