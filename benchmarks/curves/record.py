"""`python -m benchmarks.curves record`: train Sobol-drawn configurations of `full` to the end
(no early stopping) and append every epoch to one Parquet table.

The setting is the 20-minute command's (`--train-subset 8000 --max-epochs 9`, seed 0, the
subset it draws), two trainings at a time with one thread each, as its two trial slots run.
Besides the wall seconds `run_trial` reports, each epoch's CPU seconds of its process
(training and evaluation, one thread) are kept as `cpu_time_s`: they are what the simulator's
clock advances by, and unlike wall seconds they hold while other work shares the machine.
Each finished configuration is appended at once (temporary file, then rename), so the
recording can be stopped and run again: it goes on with the Sobol points not yet recorded, and
`--configs` can be raised later to grow the table.

    FER2013_PATH=../shared/data/fer2013 python -m benchmarks.curves record --configs 150
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.curves.design import sobol_configs
from experiment.files import write_atomically
from experiment.schema import HYPERPARAMETERS
from spaces import SPACES

TABLE = Path(__file__).with_name("fer2013_full_8000x9.parquet")
SETTING = {"space": "full", "train_subset": 8000, "max_epochs": 9, "seed": 0}
METRICS = ("val_acc", "val_loss", "train_loss", "train_acc", "epoch_time_s", "eval_time_s", "diverged")


def recorded(table: Path) -> set[int]:
    return set(pq.read_table(table, columns=["config_id"]).column("config_id").to_pylist()) if table.exists() else set()


def epoch_seconds(table: pd.DataFrame) -> pd.Series:
    """Seconds one epoch holds a trial slot: CPU seconds where recorded, else wall (training + evaluation)."""
    wall = table["epoch_time_s"].astype(float) + table["eval_time_s"].fillna(0).astype(float)
    if "cpu_time_s" not in table:
        return wall
    return table["cpu_time_s"].astype(float).fillna(wall)


def _worker(config_ids: "mp.Queue", results: "mp.Queue", data: str) -> None:
    """One training slot: loads the data once, then trains the configurations it is handed."""
    import torch

    from trainables import Hyperparameters, TrialSettings, load_splits, run_trial

    splits = load_splits(data).with_train_subset(SETTING["train_subset"], seed=SETTING["seed"])
    configs = sobol_configs(SPACES[SETTING["space"]])
    while (config_id := config_ids.get()) is not None:
        config = configs[config_id]
        rows: list[dict[str, Any]] = []
        cpu_before = [time.process_time()]

        def report(metrics: dict[str, Any], checkpoint_dir: Any) -> None:
            cpu_now = time.process_time()
            rows.append({"epoch": metrics["epoch"], **{k: metrics.get(k) for k in METRICS},
                         "cpu_time_s": cpu_now - cpu_before[0],
                         "precision": metrics["precision"], "device": metrics["device"]})
            cpu_before[0] = cpu_now

        started = time.time()
        run_trial(Hyperparameters.from_config(config), TrialSettings(max_epochs=SETTING["max_epochs"],
                                                                     seed=SETTING["seed"]),
                  splits, report, threads=1, device=torch.device("cpu"))
        results.put((config_id, config, rows, started))


def record(target: int, data: str, workers: int = 2, table: Path = TABLE) -> None:
    import torch

    todo = [i for i in range(target) if i not in recorded(table)]
    print(f"recording {len(todo)} configurations ({target - len(todo)} of {target} already in {table.name}); "
          f"{workers} at a time", flush=True)
    context = mp.get_context("spawn")
    config_ids, results = context.Queue(), context.Queue()
    for config_id in todo:
        config_ids.put(config_id)
    for _ in range(workers):
        config_ids.put(None)
    processes = [context.Process(target=_worker, args=(config_ids, results, data)) for _ in range(workers)]
    for process in processes:
        process.start()
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.node()}"
    for done in range(len(todo)):
        config_id, config, rows, started = results.get()
        new = [{"config_id": config_id, **{name: config.get(name) for name in HYPERPARAMETERS}, **row,
                **{f"setting_{k}": v for k, v in SETTING.items()}, "torch": torch.__version__, "machine": machine,
                "recorded_at": started} for row in rows]
        old = pq.read_table(table).to_pandas() if table.exists() else pd.DataFrame()
        merged = pd.concat([old, pd.DataFrame(new)], ignore_index=True)
        write_atomically(table, lambda tmp: pq.write_table(pa.Table.from_pandas(merged, preserve_index=False), tmp))
        last = rows[-1] if rows else {}
        print(f"[{done + 1}/{len(todo)}] config {config_id}: {config.get('arch')} {config.get('optimizer')} "
              f"lr {config.get('lr'):.3g} batch {config.get('batch_size')}: {len(rows)} epochs, "
              f"val_acc {last.get('val_acc', float('nan')):.4f}, {sum(r['epoch_time_s'] for r in rows):.0f} s",
              flush=True)
    for process in processes:
        process.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.curves record", description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=150, help="record Sobol points 0..N-1 (default 150)")
    parser.add_argument("--workers", type=int, default=2, help="trainings at a time, one thread each (default 2)")
    args = parser.parse_args(argv)
    data = os.environ.get("FER2013_PATH")
    if not data:
        print("benchmarks.curves: error: set FER2013_PATH to the real FER2013", file=sys.stderr)
        return 2
    record(args.configs, data, args.workers)
    return 0
