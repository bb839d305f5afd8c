"""After the search: evaluate the best trial once on the test split and write what it found.

Selection uses validation accuracy only; the test split (FER2013's PrivateTest) is
touched here, once, for the final number.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from ray import tune

from experiment.files import BEST_DIR, PER_CLASS_FILE, write_atomically, write_json_atomically
from search.outcome import full_run_time
from trainables import Splits, load_model
from trainables.inference import EXPORT_FILE, export_model, per_class_results, probabilities
from trainables.trainable import STATE_FILE



def best_checkpoint(results: tune.ResultGrid, eligible: Callable[[tune.Result], bool] = lambda result: True,
                    ) -> tuple[tune.Result, tune.Checkpoint, dict[str, Any]] | None:
    """The (result, checkpoint, metrics) with the highest val_acc among the kept checkpoints of
    the eligible trials (e.g. those whose full run fits `--max-train-time-s`)."""
    candidates = [(metrics["val_acc"], i, result, checkpoint, metrics)
                  for i, result in enumerate(results) if eligible(result)
                  for checkpoint, metrics in (result.best_checkpoints or [])
                  if metrics.get("val_acc") is not None]
    if not candidates:
        return None
    _, _, result, checkpoint, metrics = max(candidates, key=lambda c: (c[0], -c[1]))
    return result, checkpoint, metrics


def final_pass_precision(trained_on: str | None, precision: str | None, head: torch.device) -> str:
    """The precision of the final test pass: the trial's own where the head has the same kind of
    device it trained on, else fp32 (a GPU trial's bf16 would be emulated, slowly, on a CPU head)."""
    same_kind = (trained_on or "cpu").split(" ")[0] == head.type
    return (precision or "auto") if same_kind else "fp32"


def evaluate_best(results: tune.ResultGrid, splits: Splits, experiment_dir: Path,
                  optuna_number: Callable[[str], int | None], max_epochs: int,
                  max_train_time_s: float | None = None) -> dict[str, Any] | None:
    """Test the best checkpoint and write `best/` (model.pt, config.json, metrics.json), each atomically.

    With `max_train_time_s`, only trials whose full run fits it compete. The checkpoint is read
    back from wherever Tune stored it (a local folder, or `s3://`).
    """
    def fits(result: tune.Result) -> bool:
        full_run = full_run_time(result.metrics or {}, max_epochs)["full_run_time_s"]
        return max_train_time_s is None or (full_run is not None and full_run <= max_train_time_s)

    found = best_checkpoint(results, fits)
    if found is None:
        return None
    result, checkpoint, metrics = found
    best_dir = experiment_dir / BEST_DIR
    best_dir.mkdir(parents=True, exist_ok=True)
    with checkpoint.as_directory() as folder:
        model, hp, standardizer = load_model(Path(folder))
        write_atomically(best_dir / "model.pt", lambda tmp: shutil.copyfile(Path(folder) / STATE_FILE, tmp))
    precision = final_pass_precision(metrics.get("device"), metrics.get("precision"), next(model.parameters()).device)
    probs = probabilities(model, standardizer, splits.test_x, precision)  # the one test pass, all figures from it
    test_acc = float(np.mean(probs.argmax(axis=1) == splits.test_y))
    test_loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(probs)), splits.test_y], 1e-12, None))))
    per_class = per_class_results(splits.test_y, probs.argmax(axis=1))
    write_per_class(best_dir / PER_CLASS_FILE, per_class)
    write_atomically(best_dir / EXPORT_FILE, lambda tmp: export_model(model, standardizer, tmp))
    trial_id = metrics.get("trial_id") or result.metrics.get("trial_id")
    best = {
        "trial_id": trial_id, "optuna_number": optuna_number(trial_id), "config": hp.as_dict(),
        "epoch": metrics.get("epoch"), "val_acc": metrics["val_acc"], "test_acc": test_acc, "test_loss": test_loss,
        "train_time_s": metrics.get("train_time_s"), "param_count": metrics.get("param_count"),
        "test_split": "PrivateTest" if not splits.synthetic else "synthetic test",
        "full_run_time_s": full_run_time(result.metrics or {}, max_epochs)["full_run_time_s"],
        "max_train_time_s": max_train_time_s, "macro_f1": per_class["macro_f1"], "per_class": per_class,
    }
    write_json_atomically(best_dir / "config.json", hp.as_dict())
    write_json_atomically(best_dir / "metrics.json", {k: v for k, v in best.items() if k != "config"})
    return best


def write_per_class(path: Path, per_class: dict[str, Any]) -> None:
    """One row per true emotion: precision, recall, F1, support, and its confusion-matrix row."""
    rows = [{"emotion": emotion, "precision": per_class["precision"][i], "recall": per_class["recall"][i],
             "f1": per_class["f1"][i], "support": per_class["support"][i],
             **{f"predicted_{other}": per_class["confusion"][i][j] for j, other in enumerate(per_class["emotions"])}}
            for i, emotion in enumerate(per_class["emotions"])]
    write_atomically(path, lambda tmp: pq.write_table(pa.Table.from_pylist(rows), tmp))
