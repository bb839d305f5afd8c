"""Explain experiments written by hand: a finished search with its best, and `explain/` beside it
in the formats `python -m search.explain` writes, each run's accuracy and seconds chosen."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from report_fixtures import DEFAULT_CONFIG, trial, write_experiment

from experiment.files import EPOCHS_FILE, EXPLAIN_DIR, PLAN_FILE, SUMMARY_FILE, TRIALS_FILE
from experiment.schema import EPOCHS_SCHEMA, PLAN_SCHEMA, TRIALS_SCHEMA

BEST = DEFAULT_CONFIG | {"arch": "arch2", "lr": 0.03, "batch_size": 64, "batch_norm": True, "dropout": 0.25}
EPOCHS = 3


@dataclass
class PlantedArm:
    """One arm: its kind, the hyperparameter it changes and to what, and per seed its accuracy
    (None: the run diverged) and seconds per epoch."""

    name: str
    kind: str
    changes: dict[str, Any] = field(default_factory=dict)
    accuracy: tuple = (0.5, 0.5, 0.5)
    seconds: tuple = (10.0, 10.0, 10.0)
    step: float | None = None
    sweep_batch_size: int | None = None

    @property
    def changed(self) -> str | None:
        return next(iter(self.changes), None) if self.kind != "interaction" else "lr"


def write_explained(folder: Path, arms: list[PlantedArm], finished: bool = True) -> Path:
    """The search (its best trial `best`, a full run at seed 0, whose accuracy is the best arm's first)
    and its explain experiment; seeds 0, 1, 2."""
    best_arm = next(a for a in arms if a.kind == "best")
    search_trials = [trial("best", acc=best_arm.accuracy[0], time=45.0,  # 15 s an epoch, beside other trials
                            epochs=EPOCHS, max_epochs=EPOCHS, **BEST),
                     trial("other", acc=0.3, time=10.0, epochs=EPOCHS, max_epochs=EPOCHS,
                           **(BEST | {"batch_norm": False}))]
    summary = {"name": folder.name, "space": "full", "status": "finished", "data": {"synthetic": True},
               "search": {"max_epochs": EPOCHS}, "trials": {}, "best": {"trial_id": "best", "config": BEST,
                                                                         "val_acc": best_arm.accuracy[0]}}
    write_experiment(folder, search_trials, summary=summary)
    explain = folder / EXPLAIN_DIR
    explain.mkdir()
    plan, runs, epochs = [], {}, []
    for arm in arms:
        config = BEST | arm.changes
        for seed in (0, 1, 2):
            own = arm.kind == "best" and seed == 0
            plan.append({"arm": arm.name, "kind": arm.kind, "changed": arm.changed, "step": arm.step,
                         "sweep_batch_size": arm.sweep_batch_size, "seed": seed, "own": own, "dropped": False,
                         "expected_s": 30.0, **config})
            key = (tuple(sorted(config.items())), seed)
            if own or key in runs:
                continue
            trial_id = f"r{len(runs):02d}"
            accuracy, seconds = arm.accuracy[seed], arm.seconds[seed]
            state = "complete" if accuracy is not None else "diverged"
            runs[key] = {**trial(trial_id, state=state, acc=accuracy if accuracy is not None else 0.13,
                                 time=seconds * EPOCHS, epochs=EPOCHS if accuracy is not None else 1,
                                 max_epochs=EPOCHS, **config), "seed": seed, "optuna_number": None}
            for epoch in range(1, (EPOCHS if accuracy is not None else 1) + 1):
                epochs.append({"trial_id": trial_id, "epoch": epoch, "val_acc": (accuracy or 0.13) * epoch / EPOCHS,
                               "epoch_time_s": seconds, "eval_time_s": 0.0, "train_time_s": seconds * epoch,
                               "diverged": accuracy is None})
    pq.write_table(pa.Table.from_pylist(plan, schema=PLAN_SCHEMA), explain / PLAN_FILE)
    pq.write_table(pa.Table.from_pylist(list(runs.values()), schema=TRIALS_SCHEMA), explain / TRIALS_FILE)
    pq.write_table(pa.Table.from_pylist(epochs, schema=EPOCHS_SCHEMA), explain / EPOCHS_FILE)
    if finished:
        (explain / SUMMARY_FILE).write_text(json.dumps({"status": "finished"}))
    return folder
