"""One trial's training: metrics each epoch, reproducibility, divergence, checkpoint resume, bf16."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from trainables import Hyperparameters, TrialSettings, load_model, run_trial
import torch

from trainables.device import auto_precision, cpu_has_native_bf16

METRICS = {"epoch", "val_acc", "val_loss", "train_loss", "train_acc", "epoch_time_s", "train_time_s",
           "images_per_s", "eval_time_s", "diverged", "param_count", "precision", "device", "seed"}
LEARNS = Hyperparameters(arch="arch1", optimizer="adamw", lr=0.003, batch_size=64, standardize="pixel")


def _train(splits, hp, settings, resume_from=None, keep_checkpoints_in: Path | None = None) -> list[dict]:
    reports = []

    def report(metrics, checkpoint_dir):
        reports.append(metrics)
        if keep_checkpoints_in is not None and checkpoint_dir is not None:
            shutil.copytree(checkpoint_dir, keep_checkpoints_in / f"epoch{metrics['epoch']}")

    run_trial(hp, settings, splits, report, resume_from=resume_from, threads=1)
    return reports


def test_one_epoch_of_arch1_on_synthetic_faces_reports_every_metric(small_synthetic):
    (metrics,) = _train(small_synthetic, LEARNS, TrialSettings(max_epochs=1, precision="fp32"))
    assert set(metrics) == METRICS
    assert metrics["epoch"] == 1 and not metrics["diverged"]
    assert 0.0 <= metrics["val_acc"] <= 1.0 and np.isfinite(metrics["train_loss"])
    assert metrics["train_time_s"] == metrics["epoch_time_s"] > 0
    assert metrics["images_per_s"] == pytest.approx(1200 / metrics["epoch_time_s"])


def test_same_config_and_seed_give_the_same_first_epoch(small_synthetic):
    settings = TrialSettings(max_epochs=1, seed=3, precision="fp32")
    first, second = (_train(small_synthetic, LEARNS, settings)[0] for _ in range(2))
    for key in ("val_acc", "val_loss", "train_loss", "train_acc"):
        assert first[key] == second[key]


def test_a_trial_config_may_carry_its_own_seed_and_trains_as_if_the_search_had_it(small_synthetic):
    config, settings = TrialSettings(max_epochs=1, seed=0, precision="fp32").for_trial({"arch": "arch1", "seed": 3})
    assert config == {"arch": "arch1"} and settings.seed == 3
    assert TrialSettings(seed=7).for_trial({"arch": "arch1"})[1].seed == 7  # no seed of its own: the search's
    own = _train(small_synthetic, LEARNS, settings)[0]
    searched = _train(small_synthetic, LEARNS, TrialSettings(max_epochs=1, seed=3, precision="fp32"))[0]
    other = _train(small_synthetic, LEARNS, TrialSettings(max_epochs=1, seed=0, precision="fp32"))[0]
    assert own["seed"] == 3 and own["val_loss"] == searched["val_loss"] != other["val_loss"]


def test_a_diverging_run_stops_cleanly_with_its_measured_accuracy(small_synthetic):
    hp = Hyperparameters(arch="arch1", lr=1e6, batch_size=32)
    reports = _train(small_synthetic, hp, TrialSettings(max_epochs=5, precision="fp32"))
    assert len(reports) == 1 and reports[-1]["diverged"] is True
    assert reports[-1]["train_loss"] is None and 0.0 <= reports[-1]["val_acc"] <= 1.0


def test_resuming_from_a_checkpoint_continues_where_training_stopped(small_synthetic, tmp_path):
    settings = TrialSettings(max_epochs=2, precision="fp32")
    uninterrupted = _train(small_synthetic, LEARNS, settings, keep_checkpoints_in=tmp_path)
    resumed = _train(small_synthetic, LEARNS, settings, resume_from=tmp_path / "epoch1")
    assert [r["epoch"] for r in resumed] == [2]
    assert resumed[0]["val_acc"] == uninterrupted[1]["val_acc"]
    assert resumed[0]["train_loss"] == pytest.approx(uninterrupted[1]["train_loss"], rel=1e-6)
    assert resumed[0]["train_time_s"] > resumed[0]["epoch_time_s"]  # cumulative across the restart


def test_checkpoint_holds_standardization_fitted_on_train_only(small_synthetic, tmp_path):
    hp = Hyperparameters(arch="arch1", standardize="pixel")
    _train(small_synthetic, hp, TrialSettings(max_epochs=1, precision="fp32"), keep_checkpoints_in=tmp_path)
    _, loaded_hp, standardizer = load_model(tmp_path / "epoch1")
    assert loaded_hp == hp
    assert np.allclose(standardizer.mean, small_synthetic.train_x.mean(axis=0) / 255, atol=1e-5)
    assert not np.allclose(standardizer.mean, small_synthetic.val_x.mean(axis=0) / 255, atol=1e-3)


def _native_bf16_here() -> bool:
    """Whether the device `run_trial` picks outside Ray computes bf16 natively."""
    if torch.cuda.is_available():
        return auto_precision("cuda", torch.cuda.get_device_capability(), False) == "bf16"
    return cpu_has_native_bf16()


@pytest.mark.skipif(not _native_bf16_here(), reason="no native bf16 here (AVX-512 BF16 / AMX, or CUDA 8.0+)")
def test_bf16_accuracy_stays_within_noise_of_fp32(small_synthetic):
    settings = {"max_epochs": 4, "seed": 0}
    fp32 = _train(small_synthetic, LEARNS, TrialSettings(precision="fp32", **settings))[-1]
    bf16 = _train(small_synthetic, LEARNS, TrialSettings(precision="bf16", **settings))[-1]
    assert bf16["precision"] == "bf16"
    assert fp32["val_acc"] > 0.3, "the fp32 reference should learn well above chance (1/7)"
    # Binomial noise of an accuracy over 400 validation images is about 2.5 points; allow 2 sigma.
    assert abs(bf16["val_acc"] - fp32["val_acc"]) <= 0.05


def test_auto_precision_is_what_the_device_it_trained_on_computes_natively(small_synthetic):
    (metrics,) = _train(small_synthetic, LEARNS, TrialSettings(max_epochs=1, precision="auto"))
    on_cuda = metrics["device"].startswith("cuda")
    capability = torch.cuda.get_device_capability() if on_cuda else None
    assert metrics["precision"] == auto_precision("cuda" if on_cuda else "cpu", capability, cpu_has_native_bf16())
