"""`--storage-path s3://…` against a real S3-compatible server on 127.0.0.1 (moto's standalone
server): trial checkpoints go to the bucket, and `best/` is read back from it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.fs
import pytest

from loopback import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}



@pytest.fixture
def s3_server():
    port = free_port()
    server = subprocess.Popen([MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto server did not start"
                time.sleep(0.2)
        s3 = pyarrow.fs.S3FileSystem(endpoint_override=f"127.0.0.1:{port}", scheme="http", access_key="testing",
                                     secret_key="testing", region="us-east-1",
                                     allow_bucket_creation=True)
        s3.create_dir("fer-search-test")
        yield f"http://127.0.0.1:{port}", s3
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_checkpoints_go_to_s3_and_the_best_model_comes_back_from_there(s3_server, tmp_path):
    endpoint, s3 = s3_server
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    env |= CREDENTIALS | {"AWS_ENDPOINT_URL": endpoint, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "search.run", "--space", "smoke", "--samples", "3", "--output", "results",
         "--name", "s3", "--storage-path", "s3://fer-search-test/experiments"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    stored = [info.path for info in s3.get_file_info(pyarrow.fs.FileSelector("fer-search-test/experiments/s3",
                                                                             recursive=True))]
    checkpoints = [path for path in stored if path.endswith("/state.pt")]
    assert checkpoints, stored[:20]
    assert any(path.endswith("tuner.pkl") for path in stored)
    experiment = tmp_path / "results" / "s3"
    assert not (experiment / "ray").exists()  # nothing of Tune's stayed on the local disk
    best = experiment / "best" / "model.pt"
    assert best.stat().st_size > 0
    # best/model.pt is byte for byte one of the checkpoints in the bucket
    contents = set()
    for path in checkpoints:
        with s3.open_input_file(path) as stream:
            contents.add(stream.readall())
    assert best.read_bytes() in contents
    for name in ("trials.parquet", "epochs.parquet", "summary.json", "optuna.db", "report.html"):
        assert (experiment / name).is_file(), name  # land with the driver
