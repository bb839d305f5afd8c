"""The files of an experiment folder, and how each is written: whole or not at all."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

TRIALS_FILE = "trials.parquet"
EPOCHS_FILE = "epochs.parquet"
SUMMARY_FILE = "summary.json"
RECORD_FILE = "search.json"
OPTUNA_FILE = "optuna.db"
REPORT_FILE = "report.html"
BEST_DIR = "best"
PER_CLASS_FILE = "per_class.parquet"  # in best/: per emotion precision, recall, F1, support and the confusion row
EXPLAIN_DIR = "explain"  # python -m search.explain: its own trials, epochs, study and summary, beside the search's
PLAN_FILE = "plan.parquet"  # in explain/: one row per arm and seed (and per arm the budget dropped)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """`write(<path>.tmp)`, then rename over `path`: a reader sees the old file or the new one, whole."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_json_atomically(path: Path, content: dict[str, Any]) -> None:
    """`content` as indented JSON, written atomically."""
    text = json.dumps(content, indent=2, default=str) + "\n"
    write_atomically(path, lambda tmp: tmp.write_text(text))
