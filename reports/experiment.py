"""One experiment folder read into memory: trials, epochs, summary and Optuna study.

Everything a figure needs comes from here, so the figures never touch the disk and can be
tested on tables written by hand. Only `trials.parquet` and `epochs.parquet` are required;
a missing `summary.json` or Optuna study leaves notes in the page, not errors.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
import pyarrow.parquet as pq

from experiment import files, schema

HYPERPARAMETERS = schema.HYPERPARAMETERS
TRIAL_COLUMNS = tuple(schema.TRIALS_SCHEMA.names)
EPOCH_COLUMNS = tuple(schema.EPOCHS_SCHEMA.names)
STATES = schema.STATES


class ReportError(Exception):
    """The folder cannot be reported on; the message is one line that says why."""


@dataclass(frozen=True, eq=False)
class Explained:
    """What `python -m search.explain` left in the experiment's `explain/` folder.

    Attributes:
        plan: `plan.parquet`, a row per arm and seed (and per arm a budget dropped).
        trials, epochs: its runs, in the search's own file formats (`seed` tells repeats apart).
        summary: its `summary.json` (None while it runs, or if it was killed).
        record: its `explain.json` (settings, and `best_trial`: the search's trial it explains).
    """

    plan: pd.DataFrame
    trials: pd.DataFrame
    epochs: pd.DataFrame
    summary: dict[str, Any] | None
    record: dict[str, Any] | None = None  # explain.json: its settings, and `best_trial`, the search trial explained


@dataclass(frozen=True, eq=False)  # compared by identity, so models fitted on it can be cached per experiment
class Experiment:
    """What one search left on disk.

    Attributes:
        folder: the experiment folder.
        trials: one row per trial, every column of `trials.parquet` (absent ones as nulls).
        epochs: one row per trial and epoch (may be empty if no trial finished an epoch).
        summary: `summary.json`, or None when the search did not get to write it.
        study: the Optuna study, or None when it cannot be found.
        explained: the controlled runs of `python -m search.explain`, when there are any.
    """

    folder: Path
    trials: pd.DataFrame
    epochs: pd.DataFrame
    summary: dict[str, Any] | None
    study: optuna.Study | None
    explained: Explained | None = None

    @property
    def name(self) -> str:
        return (self.summary or {}).get("name") or self.folder.name

    @property
    def synthetic(self) -> bool | None:
        """True for synthetic data, False for real FER2013, None when the summary does not say."""
        data = (self.summary or {}).get("data") or {}
        return data.get("synthetic")


def load_experiment(folder: Path) -> Experiment:
    """Read an experiment folder; raises ReportError when its Parquet files are missing or empty."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder (expected an experiment folder written by search.run)")
    trials = _read_table(folder / files.TRIALS_FILE, TRIAL_COLUMNS)
    if trials.empty:
        raise ReportError(f"{folder / files.TRIALS_FILE} has no trials yet; nothing to report")
    epochs = _read_table(folder / files.EPOCHS_FILE, EPOCH_COLUMNS)
    summary = _read_summary(folder / files.SUMMARY_FILE)
    return Experiment(folder=folder, trials=trials, epochs=epochs, summary=summary,
                      study=_load_study(folder, summary), explained=_read_explained(folder / files.EXPLAIN_DIR))


def _read_explained(folder: Path) -> Explained | None:
    """explain/, when it holds a plan and at least the start of its results; else None."""
    if not (folder / files.PLAN_FILE).is_file() or not (folder / files.TRIALS_FILE).is_file():
        return None
    try:
        plan = pq.read_table(folder / files.PLAN_FILE).to_pandas()
        trials = _read_table(folder / files.TRIALS_FILE, TRIAL_COLUMNS)
        epochs = _read_table(folder / files.EPOCHS_FILE, EPOCH_COLUMNS)
    except (ReportError, OSError, ValueError):
        return None
    return Explained(plan=plan, trials=trials, epochs=epochs, summary=_read_summary(folder / files.SUMMARY_FILE),
                     record=_read_summary(folder / files.EXPLAIN_RECORD_FILE))


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise ReportError(f"{path} is missing (is this an experiment folder written by search.run?)")
    if path.stat().st_size == 0:
        raise ReportError(f"{path} is empty (0 bytes)")
    try:
        table = pq.read_table(path).to_pandas()
    except Exception as exc:  # pyarrow raises several types for a torn or foreign file
        raise ReportError(f"{path} is not a readable Parquet file ({_one_line(exc)})") from None
    for column in columns:
        if column not in table.columns:
            table[column] = None
    return table


def _read_summary(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def _load_study(folder: Path, summary: dict[str, Any] | None) -> optuna.Study | None:
    """The study named in the summary, else the only study in `<folder>/optuna.db`.

    Never creates anything: a SQLite URL whose file does not exist is skipped, since
    Optuna would otherwise create an empty database there.
    """
    candidates = []
    if summary and summary.get("storage"):
        candidates.append((summary["storage"], summary.get("study_name")))
    candidates.append((f"sqlite:///{folder / files.OPTUNA_FILE}", None))
    for storage, study_name in candidates:
        if not _storage_exists(storage):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if study_name is None:
                    names = optuna.get_all_study_names(storage)
                    if len(names) != 1:
                        continue
                    study_name = names[0]
                return optuna.load_study(study_name=study_name, storage=storage)
        except Exception:  # a stale or foreign storage: try the next candidate
            continue
    return None


def _storage_exists(storage: str) -> bool:
    prefix = "sqlite:///"
    if storage.startswith(prefix):
        return Path(storage[len(prefix):]).is_file()
    return True


def _one_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
