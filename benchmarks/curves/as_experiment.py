"""`python -m benchmarks.curves experiment OUT`: the recorded table as an experiment folder.

Every recorded configuration becomes a trial that ran to the end (complete, or diverged where
its curve stops early), with its epochs as measured, in the files `search.run` writes — so the
report (`python -m reports.build OUT`) can be read on 150 real full runs, or on a random subset
of them (`--trials 25 --seed 1`) to see what a smaller search would have been told.

    python -m benchmarks.curves experiment /tmp/table-150
    python -m benchmarks.curves experiment /tmp/table-25-s1 --trials 25 --seed 1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.curves.record import SETTING, TABLE
from experiment.files import EPOCHS_FILE, SUMMARY_FILE, TRIALS_FILE, write_json_atomically
from experiment.schema import COMPLETE, DIVERGED, EPOCHS_SCHEMA, HYPERPARAMETERS, TRIALS_SCHEMA


def experiment_tables(table: pd.DataFrame, trials: int | None = None, seed: int = 0
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(trials.parquet, epochs.parquet) rows for the recorded configurations (a random `trials` of them)."""
    ids = np.sort(table["config_id"].unique())
    if trials is not None:
        ids = np.sort(np.random.default_rng(seed).choice(ids, size=min(trials, len(ids)), replace=False))
    max_epochs = SETTING["max_epochs"]
    trial_rows, epoch_rows = [], []
    for config_id in ids:
        curve = table[table["config_id"] == config_id].sort_values("epoch")
        trial_id = f"c{config_id:03d}"
        seconds = curve["epoch_time_s"].astype(float).cumsum()
        accuracy = curve["val_acc"].astype(float)
        diverged = bool(curve["diverged"].fillna(False).any()) or len(curve) < max_epochs
        best = int(accuracy.to_numpy().argmax())
        for (_, row), total in zip(curve.iterrows(), seconds):
            epoch_rows.append({"trial_id": trial_id, "optuna_number": int(config_id), "epoch": int(row["epoch"]),
                               "val_acc": row["val_acc"], "val_loss": row["val_loss"], "train_acc": row["train_acc"],
                               "train_loss": row["train_loss"], "epoch_time_s": row["epoch_time_s"],
                               "train_time_s": total, "images_per_s": None, "eval_time_s": row["eval_time_s"],
                               "diverged": bool(row["diverged"])})
        first = curve.iloc[0]
        trial_rows.append({"trial_id": trial_id, "optuna_number": int(config_id),
                           "state": DIVERGED if diverged else COMPLETE,
                           **{name: first[name] for name in HYPERPARAMETERS},
                           "best_val_acc": float(accuracy.iloc[best]), "best_epoch": int(curve["epoch"].iloc[best]),
                           "last_val_acc": float(accuracy.iloc[-1]), "train_time_s": float(seconds.iloc[-1]),
                           "full_run_time_s": float(seconds.iloc[-1]), "full_run_time_projected": False,
                           "epochs": len(curve), "max_epochs": max_epochs, "precision": first["precision"],
                           "device": first["device"]})
    return pd.DataFrame(trial_rows), pd.DataFrame(epoch_rows)


def write_experiment(folder: Path, trials: pd.DataFrame, epochs: pd.DataFrame, name: str) -> None:
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(trials.to_dict("records"), schema=TRIALS_SCHEMA), folder / TRIALS_FILE)
    pq.write_table(pa.Table.from_pylist(epochs.to_dict("records"), schema=EPOCHS_SCHEMA), folder / EPOCHS_FILE)
    write_json_atomically(folder / SUMMARY_FILE, {
        "name": name, "space": SETTING["space"], "status": "finished",
        "data": {"description": f"FER2013, train subset {SETTING['train_subset']:,} (the recorded learning "
                                f"curves, {len(trials)} configurations run to the end)", "synthetic": False},
        "search": {"max_epochs": SETTING["max_epochs"], "scheduler": "none", "objective": "accuracy"},
        "trials": trials["state"].value_counts().to_dict(), "best": None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.curves experiment",
                                     description="Write the recorded table as an experiment folder.")
    parser.add_argument("folder", type=Path, help="a new folder")
    parser.add_argument("--trials", type=int, help="a random subset of this many configurations (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="which random subset (default: 0)")
    parser.add_argument("--table", type=Path, default=TABLE, help="the recorded table")
    args = parser.parse_args(argv)
    if args.folder.exists():
        print(f"benchmarks.curves: error: {args.folder} already exists; nothing was changed", file=sys.stderr)
        return 2
    if args.trials is not None and args.trials < 1:
        print(f"benchmarks.curves: error: --trials is {args.trials}, but must be at least 1", file=sys.stderr)
        return 2
    trials, epochs = experiment_tables(pq.read_table(args.table).to_pandas(), args.trials, args.seed)
    subset = f", {len(trials)} drawn with seed {args.seed}" if args.trials else ""
    write_experiment(args.folder, trials, epochs, name=f"recorded curves{subset}")
    print(args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
