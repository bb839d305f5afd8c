"""Every kind of bad input gets one clear line on stderr and exit status 2, and every file already
on disk stays byte for byte as it was."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from search.run import main

REPO_ROOT = Path(__file__).resolve().parents[2]
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch) -> Path:
    """A folder with an existing experiment in results/, and the decode cache kept inside it."""
    monkeypatch.setenv("FER_SEARCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FER2013_PATH", raising=False)
    existing = tmp_path / "results" / "earlier"
    existing.mkdir(parents=True)
    (existing / "trials.parquet").write_bytes(b"precious parquet")
    (existing / "summary.json").write_text(json.dumps({"status": "finished"}))
    (existing / "search.json").write_text("{}")
    return tmp_path


def _image_folders(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for split, prefixes in (("train", ("Training",)), ("test", ("PublicTest", "PrivateTest"))):
        for emotion in EMOTIONS:
            folder = root / split / emotion
            folder.mkdir(parents=True)
            for prefix in prefixes:
                for i in range(2):
                    Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(folder / f"{prefix}_{i}.png")
    return root


def _csv(path: Path, rows: list[list[str]]) -> Path:
    pixels = " ".join(["7"] * 2304)
    good = [[str(i % 7), pixels, usage] for usage in ("Training", "PublicTest", "PrivateTest") for i in range(7)]
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["emotion", "pixels", "Usage"])
        writer.writerows(good + rows)
    return path


def _rejected(argv: list[str], root: Path, capsys) -> str:
    before = _snapshot(root)
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert _snapshot(root) == before, "a rejected command changed files on disk"
    return err


def _bad_images(kind: str):
    def make(root: Path) -> Path:
        data = _image_folders(root / "data")
        target = data / "train" / "happy"
        if kind == "not an image":
            (target / "notes.txt").write_text("not a face")
        elif kind == "text named .jpg":
            (target / "Training_9.jpg").write_text("not a face either")
        elif kind == "truncated":
            (target / "Training_0.png").write_bytes((target / "Training_0.png").read_bytes()[:100])
        elif kind == "wrong size":
            Image.fromarray(np.zeros((64, 50), dtype=np.uint8)).save(target / "Training_1.png")
        return data
    return make


@pytest.mark.parametrize("kind, fragment", [
    ("not an image", "notes.txt: not an image file"),
    ("text named .jpg", "Training_9.jpg: not a JPEG or PNG image"),
    ("truncated", "Training_0.png: unreadable or truncated image"),
    ("wrong size", "Training_1.png: image is 50x64 pixels; FER2013 images are 48x48"),
])
def test_a_bad_file_among_the_images_is_named(kind, fragment, workspace, capsys):
    data = _bad_images(kind)(workspace)
    err = _rejected(["--space", "smoke", "--data", str(data), "--output", str(workspace / "results")], workspace,
                    capsys)
    assert fragment in err


@pytest.mark.parametrize("row, fragment", [
    (["3", " ".join(["7"] * 2000), "Training"], "line 23: 2000 pixels, expected 2304"),
    (["3", " ".join(["7"] * 2303 + ["x"]), "Training"], "line 23: pixel 'x' is not an integer 0-255"),
    (["3", " ".join(["7"] * 2304), "Validation"], "line 23: Usage 'Validation' is not Training, PublicTest"),
    (["9", " ".join(["7"] * 2304), "Training"], "line 23: emotion '9' is out of range 0-6"),
    (["happy", " ".join(["7"] * 2304), "Training"], "line 23: emotion 'happy' is not an integer 0-6"),
])
def test_a_bad_csv_row_is_named_by_file_and_line(row, fragment, workspace, capsys):
    data = _csv(workspace / "fer2013.csv", [row])
    err = _rejected(["--space", "smoke", "--data", str(data), "--output", str(workspace / "results")], workspace,
                    capsys)
    assert f"{data}: {fragment}" in err


def test_an_output_inside_a_file_is_refused(workspace, capsys):
    (workspace / "a-file").write_text("not a folder")
    err = _rejected(["--space", "smoke", "--output", str(workspace / "a-file" / "results")], workspace, capsys)
    assert "--output" in err and "is not a folder" in err


def test_an_output_where_nothing_can_be_written_is_refused(workspace, capsys):
    err = _rejected(["--space", "smoke", "--output", "/proc/fer-search-results"], workspace, capsys)
    assert "--output /proc/fer-search-results: cannot write in /proc" in err


def test_resume_of_a_folder_without_an_experiment_is_refused(workspace, capsys):
    (workspace / "empty").mkdir()
    err = _rejected(["--resume", str(workspace / "empty")], workspace, capsys)
    assert "holds no experiment (search.json is missing); nothing to resume" in err


def test_resume_of_a_finished_experiment_is_refused(workspace, capsys):
    experiment = workspace / "results" / "done"
    experiment.mkdir()
    record = {"options": {"space": "smoke", "experiment_dir": str(experiment), "storage_url": "sqlite:///x.db",
                          "study_name": "done", "samples": 2, "max_epochs": 1, "grace_epochs": 1,
                          "reduction_factor": 3, "cpus_per_trial": 1, "gpus_per_trial": 0, "max_concurrent": None,
                          "seed": 0, "time_budget_s": None, "precision": "auto"},
              "data": None, "train_subset": None, "split_sizes": [6000, 1000, 1000]}
    (experiment / "search.json").write_text(json.dumps(record))
    (experiment / "summary.json").write_text(json.dumps({"status": "finished"}))
    err = _rejected(["--resume", str(experiment)], workspace, capsys)
    assert "already finished; there is nothing to resume" in err


@pytest.mark.parametrize("flags", [["--samples", "3"], ["--space", "full"], ["--seed", "4"],
                                   ["--data", "elsewhere"], ["--max-epochs", "9", "--precision", "fp32"]])
def test_resume_with_flags_that_would_change_the_search_is_refused(flags, workspace, capsys):
    err = _rejected(["--resume", str(workspace / "results" / "earlier"), *flags], workspace, capsys)
    assert "--resume takes the settings the experiment recorded" in err and flags[0] in err


@pytest.mark.slow
def test_more_gpus_per_trial_than_any_node_has_is_refused_before_anything_is_written(workspace):
    before = _snapshot(workspace)
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    completed = subprocess.run(
        [sys.executable, "-m", "search.run", "--space", "smoke", "--gpus-per-trial", "1", "--output", "results",
         "--name", "gpu"], cwd=workspace, env=env | {"PYTHONPATH": str(REPO_ROOT), "CUDA_VISIBLE_DEVICES": ""},
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [  # one line on stderr, nothing beside it from Ray
        "search.run: error: --gpus-per-trial is 1, but no node of the Ray cluster has that many GPUs (the most "
        "on one node: 0); no trial could ever start"]
    assert _snapshot(workspace) == before and not (workspace / "results" / "gpu").exists()
