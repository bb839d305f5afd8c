"""Train one configuration, reporting after every epoch: the Ray Tune function trainable.

`run_trial` holds the logic and knows nothing of Ray; `train_fer` adapts it to Tune
(`tune.report` with a checkpoint each epoch, resume from `tune.get_checkpoint()`). An exception
raised by the training itself is a result, not a crash: `train_fer` reports it under
`TRAINING_ERROR` and returns, so that Ray retries only what reaches it from outside the
training (a lost node, actor or raylet), and the search ends the trial as failed at once.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from trainables.dataset import Splits
from trainables.hyperparameters import Hyperparameters, TrialSettings
from trainables.device import (configure_backends, describe_device, local_device, resolve_precision,
                               training_device)
from trainables.loop import build_lr_scheduler, build_optimizer, evaluate, to_device_tensors, train_one_epoch
from trainables.models import build_model, count_parameters
from trainables.standardize import Standardizer, fit_standardizer

STATE_FILE = "state.pt"
VAL_PROBABILITIES_FILE = "val_probabilities.npy"  # beside STATE_FILE: (validation images, 7) float32
TRAINING_ERROR = "training_error"
"""Result key of a trial's last result when its training raised: "<ExceptionType>: <message>"."""
Report = Callable[[dict[str, Any], "Path | None"], None]


def train_fer(config: dict[str, Any], splits: Splits, settings: TrialSettings) -> None:
    """Ray Tune entry point: `tune.with_parameters(train_fer, splits=..., settings=...)`.

    An exception from the training ends the trial with one last result that carries it
    (`TRAINING_ERROR`, beside the last measured `val_acc` and `train_time_s`, NaN before the
    first epoch, which every result carries); an exception from Ray's own `tune.report` (its
    storage, its session) is Ray's and reaches Ray.
    """
    from ray import tune

    import ray

    checkpoint = tune.get_checkpoint()
    node = _node_name()
    device = training_device(ray.get_gpu_ids(), torch.cuda.is_available())  # a GPU only when Ray gave one
    last = {"val_acc": math.nan, "train_time_s": math.nan}

    def report(metrics: dict[str, Any], checkpoint_dir: Path | None) -> None:
        try:
            tune.report({**metrics, "node": node},
                        checkpoint=tune.Checkpoint.from_directory(checkpoint_dir) if checkpoint_dir else None)
        except Exception as exc:
            raise _RayReportFailed() from exc
        last.update(val_acc=metrics["val_acc"], train_time_s=metrics["train_time_s"])

    # Fetching the checkpoint is Ray's storage: a failure there is a fault, Ray's to retry.
    with checkpoint.as_directory() if checkpoint is not None else contextlib.nullcontext() as resume_dir:
        try:
            hyperparameters, trial_settings = settings.for_trial(config)
            run_trial(Hyperparameters.from_config(hyperparameters), trial_settings, splits, report,
                      resume_from=Path(resume_dir) if resume_dir else None, threads=_trial_cpus(), device=device)
        except _RayReportFailed as failed:
            raise failed.__cause__ from None
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)  # the whole trace stays in the trial worker's log
            tune.report({**last, TRAINING_ERROR: describe_error(exc), "node": node})


def describe_error(exc: BaseException) -> str:
    """`<ExceptionType>: <first line of its message>`, one line for a table cell."""
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


class _RayReportFailed(Exception):
    """Carries an exception out of `tune.report` past the training's own error boundary."""


def run_trial(hp: Hyperparameters, settings: TrialSettings, splits: Splits, report: Report,
              resume_from: Path | None = None, threads: int | None = None,
              device: torch.device | None = None) -> None:
    """Train up to `settings.max_epochs` on `device` (default: CUDA if present, for use outside
    Ray), calling `report(metrics, checkpoint_dir)` per epoch.

    A non-finite loss ends the trial with one last report carrying `diverged=True` and the
    accuracy the broken weights still measure; it is a result, not an error.
    """
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(settings.seed)
    device = device or local_device()
    configure_backends(device)
    precision = resolve_precision(settings.precision, device)
    standardizer, (train_x, train_y), (val_x, val_y) = prepared_inputs(splits, hp.standardize, device)

    model = build_model(hp.arch, hp.activation, hp.batch_norm, hp.dropout).to(device)
    model = model.to(memory_format=torch.channels_last)
    optimizer = build_optimizer(hp, model)
    lr_scheduler = build_lr_scheduler(hp, optimizer, settings.max_epochs)
    generator = torch.Generator(device=device).manual_seed(settings.seed)  # shuffles and augments on the device
    epoch, train_time_s = 0, 0.0
    if resume_from is not None:
        state = torch.load(resume_from / STATE_FILE, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        lr_scheduler.load_state_dict(state["lr_scheduler"])
        epoch, train_time_s = state["epoch"], state["train_time_s"]
        if state.get("generator_device", "cpu") == device.type:
            generator.set_state(state["generator"].cpu())
        else:  # resumed on another kind of device: its generator's state does not carry over
            generator.manual_seed(settings.seed + epoch)

    param_count = count_parameters(model)
    while epoch < settings.max_epochs:
        stats = train_one_epoch(model, optimizer, train_x, train_y, int(hp.batch_size), generator, precision, hp.augment)
        lr_scheduler.step()
        epoch += 1
        train_time_s += stats.seconds
        eval_start = time.perf_counter()
        val_loss, val_acc, val_probabilities = evaluate(model, val_x, val_y, precision)
        metrics = {
            "epoch": epoch, "val_acc": val_acc, "val_loss": _finite_or_none(val_loss),
            "train_loss": _finite_or_none(stats.loss), "train_acc": stats.accuracy,
            "epoch_time_s": stats.seconds, "train_time_s": train_time_s,
            "images_per_s": stats.images / stats.seconds if stats.seconds > 0 else 0.0,
            "eval_time_s": time.perf_counter() - eval_start,
            "diverged": stats.diverged, "param_count": param_count, "precision": precision,
            "device": describe_device(device), "seed": settings.seed,
        }
        if stats.diverged:
            report(metrics, None)  # no checkpoint of broken weights
            return
        with tempfile.TemporaryDirectory() as checkpoint_dir:
            save_state(Path(checkpoint_dir), model, hp, standardizer, training={
                "optimizer": optimizer.state_dict(), "lr_scheduler": lr_scheduler.state_dict(),
                "generator": generator.get_state(), "generator_device": device.type, "epoch": epoch,
                "train_time_s": train_time_s})
            np.save(Path(checkpoint_dir) / VAL_PROBABILITIES_FILE, val_probabilities.cpu().numpy())
            report(metrics, Path(checkpoint_dir))


_PREPARED: dict[tuple, tuple] = {}  # per process: a reused Ray actor keeps them across trials


def prepared_inputs(splits: Splits, kind: str, device: torch.device) -> tuple[Standardizer, tuple, tuple]:
    """The standardizer fitted on train, and the standardized train and validation tensors.

    Computed once per standardization in a process and kept (two at most, the last used):
    the trials of a search that share a standardization share these tensors instead of
    building them again. Each is float32 train + validation: 32,298 × 48 × 48 × 4 bytes ≈
    0.3 GB on all of FER2013, so up to 0.6 GB per actor; on a GPU short of memory (trials
    packed onto it) they are given back and built once more.
    """
    key = (splits.source, len(splits.train_y), len(splits.val_y), kind, str(device))
    if key not in _PREPARED:
        try:
            _PREPARED[key] = _prepare(splits, kind, device)
        except torch.cuda.OutOfMemoryError:  # trials packed on one GPU: give back the kept copies, once
            _PREPARED.clear()
            torch.cuda.empty_cache()
            _PREPARED[key] = _prepare(splits, kind, device)
        while len(_PREPARED) > 2:
            del _PREPARED[next(iter(_PREPARED))]
    else:
        _PREPARED[key] = _PREPARED.pop(key)  # most recently used last
    return _PREPARED[key]


def _prepare(splits: Splits, kind: str, device: torch.device) -> tuple:
    standardizer = fit_standardizer(kind, splits.train_x)
    return (standardizer, to_device_tensors(standardizer(splits.train_x), splits.train_y, device),
            to_device_tensors(standardizer(splits.val_x), splits.val_y, device))


def save_state(folder: Path, model: nn.Module, hp: Hyperparameters, standardizer: Standardizer,
               training: dict[str, Any] | None = None) -> None:
    """What it takes to use the model (weights, config, input scaling) and, with `training`, to resume."""
    state = {"model": model.state_dict(), "hyperparameters": hp.as_dict(), "standardizer": {
        "kind": standardizer.kind, "mean": standardizer.mean, "std": standardizer.std}}
    torch.save(state | (training or {}), folder / STATE_FILE)


def load_model(path: Path, device: torch.device | None = None) -> tuple[nn.Module, Hyperparameters, Standardizer]:
    """The trained model, its hyperparameters and input standardizer from a checkpoint folder (or
    its state file itself, such as an experiment's `best/model.pt`)."""
    device = device or local_device()
    path = Path(path)
    state = torch.load(path / STATE_FILE if path.is_dir() else path, map_location=device, weights_only=False)
    hp = Hyperparameters.from_config(state["hyperparameters"])
    model = build_model(hp.arch, hp.activation, hp.batch_norm, hp.dropout).to(device)
    model.load_state_dict(state["model"])
    model = model.to(memory_format=torch.channels_last)
    s = state["standardizer"]
    return model, hp, Standardizer(s["kind"], np.asarray(s["mean"]), np.asarray(s["std"]))


def _trial_cpus() -> int:
    """Torch threads = the CPUs Ray gave this trial (Ray also sets OMP_NUM_THREADS from them)."""
    from ray import tune

    try:
        cpus = tune.get_context().get_trial_resources().required_resources.get("CPU", 0)
    except Exception:  # not inside a Tune trial
        cpus = 0
    return max(1, int(cpus or os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1))


def _node_name() -> str:
    """The Ray node this trial runs on: its IP and the start of its node id (nodes may share an IP)."""
    import ray

    context = ray.get_runtime_context()
    return f"{ray.util.get_node_ip_address()} ({context.get_node_id()[:8]})"


def _finite_or_none(value: float) -> float | None:
    return value if np.isfinite(value) else None
