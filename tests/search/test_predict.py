"""`python -m search.predict` on the real smoke search's best model: every readable image gets
its emotion, an unreadable one one line naming it, and nothing on disk is overwritten."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

from experiment.files import PER_CLASS_FILE
from trainables import EMOTIONS

REPO_ROOT = Path(__file__).resolve().parents[2]


def _predict(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search.predict", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=os.environ | {"PYTHONPATH": str(REPO_ROOT)})


@pytest.fixture
def images(tmp_path) -> Path:
    """Faces of any size and colour mode, one corrupt file and one that is no image at all."""
    folder = tmp_path / "faces"
    folder.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(folder / "a_grey48.png")
    Image.fromarray(rng.integers(0, 256, (200, 160, 3), dtype=np.uint8)).save(folder / "b_colour.jpg")
    Image.fromarray(rng.integers(0, 256, (30, 30, 4), dtype=np.uint8), mode="RGBA").save(folder / "c_small.png")
    (folder / "d_corrupt.jpg").write_bytes((folder / "b_colour.jpg").read_bytes()[:200])
    (folder / "e_text.png").write_text("not an image")
    return folder


@pytest.mark.slow
def test_each_readable_image_gets_an_emotion_and_each_unreadable_one_a_line(smoke_experiment, images):
    folder, _ = smoke_experiment
    before = {path: path.read_bytes() for path in images.iterdir()}
    run = _predict(images.parent, str(folder), str(images))
    assert run.returncode == 0, run.stderr
    assert {path: path.read_bytes() for path in images.iterdir()} == before  # read, never touched
    lines = [line.split("\t") for line in run.stdout.splitlines()]
    assert [Path(path).name for path, _, _ in lines] == ["a_grey48.png", "b_colour.jpg", "c_small.png"]
    assert all(emotion in EMOTIONS and 1 / 7 <= float(p) <= 1 for _, emotion, p in lines)
    skipped = run.stderr.splitlines()
    assert len(skipped) == 2 and skipped[0].startswith(f"search.predict: skipped {images / 'd_corrupt.jpg'}: ")
    assert skipped[1].startswith(f"search.predict: skipped {images / 'e_text.png'}: ")


@pytest.mark.slow
def test_a_csv_holds_every_emotions_probability_and_is_never_overwritten(smoke_experiment, images, tmp_path):
    folder, _ = smoke_experiment
    output = tmp_path / "predictions.csv"
    assert _predict(tmp_path, str(folder), str(images / "a_grey48.png"), "--output", str(output)).returncode == 0
    (row,) = list(csv.DictReader(output.open()))
    assert sum(float(row[e]) for e in EMOTIONS) == pytest.approx(1, abs=1e-5) and row["emotion"] in EMOTIONS
    before = output.read_bytes()
    again = _predict(tmp_path, str(folder), str(images / "a_grey48.png"), "--output", str(output))
    assert again.returncode == 2 and len(again.stderr.splitlines()) == 1 and output.read_bytes() == before


@pytest.mark.slow
def test_exit_2_only_when_nothing_could_be_read_or_there_is_no_model(smoke_experiment, images, tmp_path):
    folder, _ = smoke_experiment
    nothing = _predict(tmp_path, str(folder), str(images / "d_corrupt.jpg"), str(images / "missing.png"))
    assert nothing.returncode == 2
    assert nothing.stderr.splitlines()[-1] == "search.predict: error: none of the 2 image(s) could be read"
    no_model = _predict(tmp_path, str(tmp_path), str(images))
    assert no_model.returncode == 2 and len(no_model.stderr.splitlines()) == 1 and "best/model.pt2" in no_model.stderr


@pytest.mark.slow
def test_the_best_trials_test_pass_records_per_class_results(smoke_experiment):
    folder, _ = smoke_experiment
    best = json.loads((folder / "summary.json").read_text())["best"]
    per_class = best["per_class"]
    assert per_class["emotions"] == list(EMOTIONS) and len(per_class["confusion"]) == 7
    confusion = np.array(per_class["confusion"])
    assert confusion.sum() == sum(per_class["support"]) and np.trace(confusion) / confusion.sum() == pytest.approx(
        best["test_acc"], abs=1e-9)  # the same test pass as the accuracy
    table = pq.read_table(folder / "best" / PER_CLASS_FILE).to_pandas()
    assert table["emotion"].tolist() == list(EMOTIONS) and table["recall"].tolist() == per_class["recall"]
    assert (folder / "best" / "model.pt2").is_file()
