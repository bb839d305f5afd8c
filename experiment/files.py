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
BEST_DIR = "best"  # the deliverable: the model a user gets (see experiment.schema's steps)
PER_CLASS_FILE = "per_class.parquet"  # in best/: per emotion precision, recall, F1, support and the confusion row
MODEL_STATE_FILE = "model.pt"  # in best/: the leading model's weights, config and standardizer
EXPORT_FILE = "model.pt2"  # in best/: the deliverable as one torch.export program (TorchScript is deprecated)
CONFIG_FILE = "config.json"  # in best/: the leading model's hyperparameters
METRICS_FILE = "metrics.json"  # in best/: the deliverable's figures, members and steps (summary.json's best)
FINAL_DIR = "final"  # the final training: its own trials.parquet, epochs.parquet and Ray folder
FINAL_RECORD_FILE = "final.json"  # in final/: the final training's plan, written before it starts (to resume)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """`write(<name>.tmp<suffix>)`, then rename over `path`: a reader sees the old file or the new one,
    whole. The temporary name keeps the suffix, since some writers check it (torch.export's `.pt2`)."""
    path = Path(path)
    tmp = path.with_name(f"{path.stem}.tmp{path.suffix}")
    write(tmp)
    os.replace(tmp, path)


def write_json_atomically(path: Path, content: dict[str, Any]) -> None:
    """`content` as indented JSON, written atomically."""
    text = json.dumps(content, indent=2, default=str) + "\n"
    write_atomically(path, lambda tmp: tmp.write_text(text))
