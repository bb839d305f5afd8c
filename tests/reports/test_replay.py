"""A controlled replay compares its values directly and beside the study's published figures."""

from __future__ import annotations

import pytest
from report_fixtures import synthetic_summary, trial, write_experiment

from reports import figures
from reports.experiment import load_experiment
from reports.figures.replay import controlled_factors
from trainables.dataset import CLASS_FREQUENCY_LOSS


def _epochs(row: dict, losses: list[float]) -> list[dict]:
    return [{"trial_id": row["trial_id"], "epoch": e, "val_acc": row["best_val_acc"], "val_loss": loss,
             "train_acc": 0.5, "train_loss": loss, "epoch_time_s": 5.0, "train_time_s": 5.0 * e,
             "images_per_s": 1000.0, "diverged": False} for e, loss in enumerate(losses, start=1)]


@pytest.fixture
def batch_replay(tmp_path):
    """The study's batch grid, measured close to its table except at batch 1 and 8,192."""
    accuracy = {1: 0.249, 8: 0.43, 32: 0.455, 256: 0.44, 1024: 0.249, 2048: 0.249, 8192: 0.249}
    rows = [trial(f"b{b}", acc=a, epochs=10, max_epochs=10, batch_size=b, standardize="raw")
            for b, a in accuracy.items()]
    epochs = [e for row in rows for e in _epochs(row, [1.7] * 10)]
    return load_experiment(write_experiment(tmp_path / "batch", rows, epochs=epochs,
                                            summary=synthetic_summary("batch", synthetic=False)))


def test_a_one_factor_grid_is_a_controlled_experiment_and_a_tpe_search_is_not(batch_replay):
    assert controlled_factors(batch_replay.trials) == ["batch_size"]
    mixed = batch_replay.trials.copy()
    mixed.loc[0, "lr"] = 0.1  # a second factor, not crossed with the first
    assert controlled_factors(mixed) is None


def test_the_batch_replay_is_compared_value_by_value_with_the_study(batch_replay):
    panel = figures.replay(batch_replay)
    # published: 1 48%, 32 48%, 256 47%, 1,024 24%, 2,048 24%, 8,192 14%; within 5 points: 32, 256, 1,024, 2,048
    assert "Within 5 points of the study at 4 of 6 published values; furthest at 1: 24.9% against its 48%." \
        in panel.takeaway
    assert ("in parts: the collapse at batch ≥ 1,024: reproduced at 1,024, 2,048 and 8,192 (24.9%); learning at "
            "batch ≤ 256: reproduced at 8, 32 and 256 (43.0%–45.5%), not at 1 (24.9%)") in panel.takeaway
    header, *_ = panel.figure.data[0].header.values
    study = panel.figure.data[0].cells.values[6]
    assert study == ["48.0%", "not published", "48.0%", "47.0%", "24.0%", "24.0%", "14.0%"]


def test_the_lr_replay_checks_the_study_finding_on_the_training_loss(tmp_path):
    final = {0.0001: 1.77, 0.001: 1.62, 0.005: 1.47, 0.01: 1.42, 0.1: CLASS_FREQUENCY_LOSS, 1.0: CLASS_FREQUENCY_LOSS}
    rows = [trial(f"lr{lr}", acc=0.3, epochs=10, max_epochs=10, lr=lr, standardize="raw") for lr in final]
    epochs = [e for row in rows for e in _epochs(row, [1.9] * 9 + [final[row["lr"]]])]
    panel = figures.replay(load_experiment(write_experiment(tmp_path / "lr", rows, epochs=epochs,
                                                            summary=synthetic_summary("lr", synthetic=False))))
    assert ("holds here: lowest training loss at lr 0.01 (1.420); lrs whose loss stayed at the class-frequency level "
            "(1.81): 0.1, 1") in panel.takeaway


def test_the_lr_by_batch_grid_draws_loss_per_epoch_and_says_where_the_best_lr_lies(tmp_path):
    best = {8: 0.001, 256: 0.01}
    rows, epochs = [], []
    for batch in best:
        for lr in (0.0001, 0.001, 0.01, 0.1):
            row = trial(f"{batch}-{lr}", acc=0.3, epochs=3, max_epochs=3, lr=lr, batch_size=batch,
                        standardize="raw")
            rows.append(row)
            epochs += _epochs(row, [1.9, 1.8, 1.5 if lr == best[batch] else 1.7])
    panel = figures.replay(load_experiment(write_experiment(tmp_path / "grid", rows, epochs=epochs,
                                                            summary=synthetic_summary("grid", synthetic=False))))
    assert panel.takeaway.startswith("The best learning rate depends on batch size in this grid (lowest final "
                                     "training loss: lr 0.001 at batch 8, lr 0.01 at batch 256; one run each)")
    assert len(panel.figure.data) == 2 * 2 * 4  # two rows (loss, accuracy) x two batch sizes x four lrs
