"""Fixtures for the report tests: a quiet Optuna, and one real smoke search shared by the browser tests."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import optuna
import pytest


@pytest.fixture(autouse=True, scope="session")
def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)


class SmokeSearch(NamedTuple):
    folder: Path
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def smoke_search(smoke_experiment) -> SmokeSearch:
    """The real smoke search of tests/conftest.py (search.run builds the report at its end)."""
    folder, run = smoke_experiment
    return SmokeSearch(folder, run.stdout, run.stderr)
