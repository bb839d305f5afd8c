"""A failed trial's row names its error: the last line of the file Ray Tune wrote for it."""

from __future__ import annotations

from search.callbacks.results import _first_line


def test_a_failed_trials_error_is_the_last_line_of_its_error_file(tmp_path):
    error_file = tmp_path / "error.txt"
    error_file.write_text("Traceback (most recent call last):\n  File ...\nValueError: bad batch\n\n")
    assert _first_line(str(error_file)) == "ValueError: bad batch"
    assert _first_line(str(tmp_path / "missing.txt")) == "trial raised an error"
    assert _first_line(None) == "trial raised an error"
