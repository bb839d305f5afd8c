"""The report step at the end of a search: the report's own command, run on the folder the
search wrote; one that fails is one warning line, never silence and never a lost search."""

from __future__ import annotations

from report_fixtures import trial, write_experiment

from experiment.files import REPORT_FILE, TRIALS_FILE
from search.run import build_report


def test_a_report_that_cannot_be_built_is_one_warning_line(tmp_path, capsys):
    folder = tmp_path / "torn"
    folder.mkdir()
    (folder / TRIALS_FILE).write_bytes(b"not parquet")
    assert build_report(folder) is None
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("search.run: warning: report not built (") and "not a readable Parquet file" in lines[0]
    assert f"python -m reports.build {folder}" in lines[0]
    assert not (folder / REPORT_FILE).exists()


def test_a_report_that_can_be_built_is_written_beside_the_results(tmp_path, capsys):
    folder = write_experiment(tmp_path / "fine", [trial("a", acc=0.4), trial("b", acc=0.5, arch="arch2")])
    assert build_report(folder) == folder / REPORT_FILE
    assert (folder / REPORT_FILE).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "warning" not in capsys.readouterr().err
