"""Experiment folders written by hand for the report tests.

`write_experiment` writes Parquet files with the schemas the search itself uses
(`search.callbacks.results`), so a fixture table can only hold what a real search could write.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import optuna
import pyarrow as pa
import pyarrow.parquet as pq

from experiment.files import EPOCHS_FILE, TRIALS_FILE
from experiment.schema import EPOCHS_SCHEMA, SCHEDULER, SEARCH, TRIALS_SCHEMA
from search.outcome import OPTUNA_STATES

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")

DEFAULT_CONFIG = {"arch": "arch1", "lr": 0.01, "batch_size": 256, "activation": "relu", "standardize": "none",
                  "optimizer": "sgd", "weight_decay": 0.0, "batch_norm": False, "dropout": 0.0, "augment": "none",
                  "lr_schedule": "constant"}


def trial(trial_id: str, state: str = "complete", acc: float | None = 0.5, time: float | None = 10.0,
          epochs: int = 3, max_epochs: int = 3, **config: Any) -> dict[str, Any]:
    """One trials.parquet row: the study's default config unless overridden."""
    return {"trial_id": trial_id, "state": state, **DEFAULT_CONFIG, **config, "best_val_acc": acc,
            "best_epoch": epochs if acc is not None and epochs else None, "last_val_acc": acc,
            "train_time_s": time, "epochs": epochs, "max_epochs": max_epochs, "param_count": 168971,
            "images_per_s": 1000.0, "precision": "fp32",
            "fail_reason": "RuntimeError: boom" if state == "failed" else None}


def epoch_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Plausible per-epoch rows for a trial row: accuracy rising to its best, time per epoch even."""
    rows = []
    for epoch in range(1, (row["epochs"] or 0) + 1):
        acc = row["best_val_acc"] * epoch / row["epochs"] if row["best_val_acc"] is not None else None
        diverged = row["state"] == "diverged" and epoch == row["epochs"]
        rows.append({"trial_id": row["trial_id"], "optuna_number": row.get("optuna_number"), "epoch": epoch,
                     "val_acc": acc, "val_loss": math.nan if diverged else 2.0 - epoch * 0.1, "train_acc": acc,
                     "train_loss": 2.0, "epoch_time_s": (row["train_time_s"] or 0) / row["epochs"],
                     "train_time_s": (row["train_time_s"] or 0) * epoch / row["epochs"], "images_per_s": 1000.0,
                     "diverged": diverged})
    return rows


def write_experiment(folder: Path, trials: list[dict[str, Any]], summary: dict[str, Any] | None = None,
                     study: bool = True, epochs: list[dict[str, Any]] | None = None) -> Path:
    """An experiment folder as search.run leaves it: Parquet files, optionally summary.json and
    an Optuna study whose trials mirror the rows (params: the hyperparameters that vary)."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, row in enumerate(trials):
        row.setdefault("optuna_number", number)
    epochs = epochs if epochs is not None else [e for row in trials for e in epoch_rows(row)]
    pq.write_table(pa.Table.from_pylist(trials, schema=TRIALS_SCHEMA), folder / TRIALS_FILE)
    pq.write_table(pa.Table.from_pylist(epochs, schema=EPOCHS_SCHEMA), folder / EPOCHS_FILE)
    if summary is not None:
        (folder / "summary.json").write_text(json.dumps(summary))
    if study:
        _write_study(folder, trials)
    return folder


def _write_study(folder: Path, trials: list[dict[str, Any]]) -> None:
    storage = f"sqlite:///{folder / 'optuna.db'}"
    names = [n for n in DEFAULT_CONFIG if len({repr(row.get(n)) for row in trials}) > 1]
    distributions = {n: optuna.distributions.CategoricalDistribution(sorted({row[n] for row in trials}, key=repr))
                     for n in names}
    study = optuna.create_study(storage=storage, study_name=folder.name, direction="maximize")
    for row in trials:
        state = OPTUNA_STATES[row["state"]]
        value = row["last_val_acc"] if state == optuna.trial.TrialState.COMPLETE else None
        study.add_trial(optuna.trial.create_trial(
            state=state, value=value, params={n: row[n] for n in names}, distributions=distributions,
            user_attrs={k: v for k, v in {"train_time_s": row["train_time_s"], "epochs": row["epochs"],
                                          "diverged": row["state"] == "diverged", "ray_trial_id": row["trial_id"]
                                          }.items() if v is not None}))


def synthetic_summary(name: str, synthetic: bool = True, scheduler: str = "halving") -> dict[str, Any]:
    """A summary.json as search.run writes it (its keys from `experiment.schema`)."""
    return {"name": name, "space": "test", "wall_time_s": 12.0,
            "data": {"description": "SYNTHETIC faces" if synthetic else "FER2013 from /data",
                     "synthetic": synthetic},
            SEARCH: {"samples": 3, "max_epochs": 3, SCHEDULER: scheduler}, "trials": {}, "best": None}
