"""`python -m reports.build`: a report for a good folder, one error line and status 2 for a bad one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from report_fixtures import REPO, synthetic_summary, trial, write_experiment

from experiment.files import TRIALS_FILE
from experiment.schema import TRIALS_SCHEMA


def _build(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reports.build", str(folder)], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def _assert_one_error_line(run: subprocess.CompletedProcess, mentions: str) -> None:
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reports.build: error: ") and mentions in lines[0], run.stderr
    assert "Traceback" not in run.stderr


def test_a_good_folder_gets_report_html_and_its_path_printed(tmp_path):
    folder = write_experiment(tmp_path / "exp", [trial("a", acc=0.5, lr=0.01), trial("b", acc=0.6, lr=0.1)],
                              summary=synthetic_summary("exp"), study=False)
    run = _build(folder)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(folder / "report.html")
    assert (folder / "report.html").stat().st_size > 1_000_000  # plotly.js is inlined


def test_a_missing_folder_is_one_line_and_status_2(tmp_path):
    _assert_one_error_line(_build(tmp_path / "nowhere"), "is not a folder")


def test_a_folder_without_trials_parquet_is_one_line_and_status_2(tmp_path):
    _assert_one_error_line(_build(tmp_path), "trials.parquet is missing")


@pytest.mark.parametrize("content, mentions", [(b"", "is empty"), (b"not parquet", "not a readable Parquet")])
def test_an_empty_or_torn_trials_parquet_is_one_line_and_status_2(tmp_path, content, mentions):
    (tmp_path / TRIALS_FILE).write_bytes(content)
    _assert_one_error_line(_build(tmp_path), mentions)


def test_a_trials_parquet_with_no_rows_is_one_line_and_status_2(tmp_path):
    pq.write_table(pa.Table.from_pylist([], schema=TRIALS_SCHEMA), tmp_path / TRIALS_FILE)
    _assert_one_error_line(_build(tmp_path), "has no trials yet")


def test_a_missing_epochs_parquet_is_one_line_and_status_2(tmp_path):
    folder = write_experiment(tmp_path / "exp", [trial("a")], study=False)
    (folder / "epochs.parquet").unlink()
    _assert_one_error_line(_build(folder), "epochs.parquet is missing")
