"""On a real GPU (skipped elsewhere: `pytest -m gpu` where CUDA is): the device a packed trial
trains on, the precision `auto` picks for the card, and resuming from a checkpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import ray
import torch
from ray import tune

from trainables import Hyperparameters, TrialSettings, run_trial, train_fer
from trainables.device import auto_precision

pytestmark = pytest.mark.gpu
LEARNS = Hyperparameters(arch="arch2", optimizer="adamw", lr=0.003, batch_size=64, standardize="pixel",
                         augment="flip_shift")


def _train(splits, settings, resume_from=None, keep: Path | None = None) -> list[dict]:
    reports = []

    def report(metrics, checkpoint_dir):
        reports.append(metrics)
        if keep is not None and checkpoint_dir is not None:
            shutil.copytree(checkpoint_dir, keep / f"epoch{metrics['epoch']}")

    run_trial(LEARNS, settings, splits, report, resume_from=resume_from, device=torch.device("cuda:0"))
    return reports


def test_auto_precision_is_what_this_card_computes_natively(small_synthetic):
    (metrics,) = _train(small_synthetic, TrialSettings(max_epochs=1, precision="auto"))
    assert metrics["device"].startswith("cuda (")
    assert metrics["precision"] == auto_precision("cuda", torch.cuda.get_device_capability(), cpu_bf16=False)
    assert torch.backends.cudnn.benchmark  # fixed 48×48 inputs: cuDNN autotunes once per shape


def test_a_resumed_trial_continues_from_its_checkpoint_within_bf16_noise(small_synthetic, tmp_path):
    settings = TrialSettings(max_epochs=2, precision="bf16")
    straight = _train(small_synthetic, settings, keep=tmp_path)
    resumed = _train(small_synthetic, settings, resume_from=tmp_path / "epoch1")
    assert [r["epoch"] for r in resumed] == [2]
    assert resumed[0]["train_loss"] == pytest.approx(straight[1]["train_loss"], rel=2e-2)
    assert abs(resumed[0]["val_acc"] - straight[1]["val_acc"]) <= 0.02


def test_trials_given_a_quarter_gpu_train_on_it_and_a_zero_gpu_trial_on_the_cpu(small_synthetic, tmp_path):
    ray.init(address="local", num_cpus=3, include_dashboard=False, logging_level="ERROR")
    try:
        trainable = tune.with_parameters(train_fer, splits=small_synthetic, settings=TrialSettings(max_epochs=1))
        devices = {}
        for gpus in (0.25, 0.0):
            grid = tune.Tuner(tune.with_resources(trainable, {"cpu": 1, "gpu": gpus}),
                              param_space={"arch": "arch1"},
                              run_config=tune.RunConfig(storage_path=str(tmp_path), name=f"gpu{gpus}")).fit()
            devices[gpus] = grid[0].metrics["device"]
    finally:
        ray.shutdown()
    assert devices[0.25].startswith("cuda (") and devices[0.0] == "cpu"
