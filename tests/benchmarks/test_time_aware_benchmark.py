"""`python -m benchmarks.time_aware`: bad input is one line and status 2, before any search runs."""

from __future__ import annotations

import pytest

from benchmarks.time_aware import main


@pytest.mark.parametrize("flags, named", [
    (["--simulated-seeds", "1"], "--simulated-seeds"),
    (["--simulated-budget-s", "60"], "--simulated-budget-s"),
    (["--simulated-budget-s", "nan"], "--simulated-budget-s"),
    (["--workers", "0"], "--workers"),
])
def test_a_bad_simulated_setting_is_one_line_and_status_2(capsys, monkeypatch, flags, named):
    def no_search(*args, **kwargs):
        raise AssertionError("a bad setting must be refused before any search runs")

    monkeypatch.setattr("benchmarks.time_aware.simulated", no_search)
    assert main(flags) == 2
    err = capsys.readouterr().err
    assert err.startswith("benchmarks.time_aware: error: " + named) and err.strip().count("\n") == 0
