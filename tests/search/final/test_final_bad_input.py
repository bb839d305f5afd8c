"""Bad input to the final training gets one line on stderr and exit status 2, and every file already
on disk stays byte for byte as it was."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FER2013_PATH", "RAY_ADDRESS")}
    return env | {"PYTHONPATH": str(REPO_ROOT)}


def _run(cwd: Path, module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=600)


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _one_line_exit_2(run: subprocess.CompletedProcess, prefix: str, *words: str) -> None:
    assert run.returncode == 2, run.stdout[-2000:] + run.stderr[-2000:]
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(prefix) and all(word in line for word in words), line


@pytest.fixture(scope="module")
def nothing_finished(tmp_path_factory) -> Path:
    """A real search whose time budget ran out before any trial reported an epoch."""
    workdir = tmp_path_factory.mktemp("nothing-finished")
    done = _run(workdir, "search.run", "--space", "smoke", "--samples", "2", "--time-budget-s", "0.5", "--output",
                "results", "--name", "empty")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return workdir / "results" / "empty"


@pytest.mark.slow
def test_final_training_of_an_experiment_with_no_finished_trial_is_refused(nothing_finished, tmp_path):
    before = _snapshot(nothing_finished)
    run = _run(tmp_path, "search.final", str(nothing_finished))
    _one_line_exit_2(run, "search.final: error: ", "no finished trial")
    assert _snapshot(nothing_finished) == before and not (nothing_finished / "final").exists()


@pytest.mark.parametrize("flags, words", [
    (["--epochs", "0"], ("--epochs is 0", "at least 1")),
    (["--epochs", "-3"], ("--epochs is -3",)),
    (["--budget-s", "0"], ("--budget-s is 0", "> 0")),
    (["--epochs", "5", "--budget-s", "60"], ("give one",)),
    (["--members", "-1"], ("--members is -1",)),
    (["--members", "0", "--epochs", "3"], ("trains nothing",)),
    (["--ensemble-rounds", "-1"], ("--ensemble-rounds is -1",)),
])
def test_a_non_positive_length_or_count_is_refused_before_anything_is_read(flags, words, tmp_path):
    folder = tmp_path / "results" / "anything"
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text('{"status": "finished"}')
    before = _snapshot(tmp_path)
    _one_line_exit_2(_run(tmp_path, "search.final", str(folder), *flags), "search.final: error: ", *words)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("flags, words", [
    (["--final-epochs", "0"], ("--final-epochs is 0",)),
    (["--final-budget-s", "-60"], ("--final-budget-s is -60",)),
    (["--final-epochs", "3", "--final-budget-s", "60"], ("give one",)),
])
def test_search_run_refuses_a_non_positive_final_training_before_it_starts(flags, words, tmp_path):
    _one_line_exit_2(_run(tmp_path, "search.run", "--space", "smoke", "--output", "results", *flags),
                     "search.run: error: ", *words)
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_a_search_that_has_not_finished_is_refused(nothing_finished, tmp_path):
    interrupted = tmp_path / "results" / "interrupted"
    shutil.copytree(nothing_finished, interrupted)
    summary = json.loads((interrupted / "summary.json").read_text())
    (interrupted / "summary.json").write_text(json.dumps({**summary, "status": "interrupted"}))  # as Ctrl-C leaves it
    before = _snapshot(interrupted)
    _one_line_exit_2(_run(tmp_path, "search.final", str(interrupted)), "search.final: error: ",
                     "has not finished its search", "python -m search.run --resume")
    assert _snapshot(interrupted) == before


def test_a_folder_without_an_experiment_is_refused(tmp_path):
    _one_line_exit_2(_run(tmp_path, "search.final", str(tmp_path / "missing")), "search.final: error: ",
                     "is not a folder")
    _one_line_exit_2(_run(tmp_path, "search.final", str(tmp_path)), "search.final: error: ", "search.json is missing")
