"""From a library of trained models to `best/`: each step decided on validation, the test split read
once, and the exported program giving the deliverable's own probabilities. Real models, trained
here for an epoch or two on synthetic faces."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from ray import tune

from experiment.files import EXPORT_FILE
from experiment.schema import ENSEMBLE, FLIP_STEP, MEMBERS, SEARCH_BEST, STEPS
from search.final.deliverable import SEARCH, LibraryModel, deliver
from search.final.selection import accuracy, average, with_flip
from trainables import Hyperparameters, TrialSettings, load_model, run_trial
from trainables.inference import load_exported, probabilities
from trainables.trainable import VAL_PROBABILITIES_FILE

CONFIGS = {  # three that learn, differently, and one that barely moves
    "adamw": (Hyperparameters(arch="arch1", optimizer="adamw", lr=0.003, batch_size=64, standardize="pixel"), 5),
    "adamw-per-image": (Hyperparameters(arch="arch1", optimizer="adamw", lr=0.002, batch_size=32,
                                        standardize="per_image", activation="elu"), 5),
    "momentum": (Hyperparameters(arch="arch1", optimizer="sgd_momentum", lr=0.02, batch_size=32,
                                 standardize="global"), 5),
    "stuck": (Hyperparameters(arch="arch1", optimizer="sgd", lr=1e-6, batch_size=256), 1),
}


class CountingSplits:
    """The splits, counting each read of the test images."""

    def __init__(self, splits):
        self._splits = splits
        self.test_reads = 0

    def __getattr__(self, name: str):
        return getattr(self._splits, name)

    @property
    def test_x(self) -> np.ndarray:
        self.test_reads += 1
        return self._splits.test_x


@pytest.fixture(scope="module")
def library(small_synthetic, tmp_path_factory) -> list[LibraryModel]:
    """Each configuration's last checkpoint, as a search's kept checkpoints are read."""
    root = tmp_path_factory.mktemp("library")
    models = []
    for name, (hp, epochs) in CONFIGS.items():
        kept = {}

        def keep(metrics, checkpoint_dir, name=name):
            shutil.rmtree(root / name, ignore_errors=True)
            shutil.copytree(checkpoint_dir, root / name)
            kept.update(metrics)

        run_trial(hp, TrialSettings(max_epochs=epochs, seed=1, precision="fp32"), small_synthetic, keep, threads=1,
                  device=torch.device("cpu"))
        models.append(LibraryModel(SEARCH, name, kept["epoch"], tune.Checkpoint.from_directory(root / name),
                                   np.load(root / name / VAL_PROBABILITIES_FILE), dict(kept)))
    return models


def test_the_test_split_is_read_once_after_every_step_is_chosen(library, small_synthetic, tmp_path):
    counting = CountingSplits(small_synthetic)
    best = deliver(library, counting, tmp_path / "best", ensemble_rounds=20)
    assert counting.test_reads == 1
    steps = best[STEPS]
    assert [s["step"] for s in steps] == [SEARCH_BEST, FLIP_STEP, ENSEMBLE]  # no final training here
    assert sum(s["deliverable"] for s in steps) == 1
    chosen = next(s for s in steps if s["deliverable"])
    assert chosen["val_acc"] == best["val_acc"] == max(s["val_acc"] for s in steps)
    own = {m.trial_id: accuracy(m.val_probabilities, small_synthetic.val_y) for m in library}
    assert steps[0]["val_acc"] == max(own.values())  # the search's best checkpoint, as before
    assert "stuck" not in {m["trial_id"] for m in best[MEMBERS]}  # no better than the majority class: left out


def test_the_exported_deliverable_gives_its_in_process_probabilities_on_the_test_split(library, small_synthetic,
                                                                                        tmp_path):
    best = deliver(library, small_synthetic, tmp_path / "best", ensemble_rounds=20)
    weights = [m["weight"] for m in best[MEMBERS]]
    assert len(set(weights)) > 1 and best["flip"], "the check needs a weighted ensemble with flip"
    by_id = {m.trial_id: m for m in library}
    members = [(load_model(Path(by_id[m["trial_id"]].checkpoint.path), torch.device("cpu")), m["weight"])
               for m in best[MEMBERS]]

    def mixed(flip: bool) -> np.ndarray:
        return average([probabilities(model, standardizer, small_synthetic.test_x, "fp32", flip=flip)
                        for (model, _, standardizer), _ in members], [w for _, w in members])

    in_process = with_flip(mixed(False), mixed(True)) if best["flip"] else mixed(False)
    exported = load_exported(tmp_path / "best" / EXPORT_FILE)(torch.from_numpy(small_synthetic.test_x).float())
    np.testing.assert_allclose(exported.numpy(), in_process, atol=1e-5)
    assert accuracy(exported.numpy(), small_synthetic.test_y) == pytest.approx(best["test_acc"], abs=1e-9)
    metrics = json.loads((tmp_path / "best" / "metrics.json").read_text())
    assert metrics["test_acc"] == best["test_acc"] and metrics[STEPS] == best[STEPS]


def test_what_is_chosen_depends_on_validation_only(library, small_synthetic, tmp_path):
    first = deliver(library, small_synthetic, tmp_path / "a", ensemble_rounds=20)
    scrambled = replace(small_synthetic, test_y=np.random.default_rng(0).permutation(small_synthetic.test_y),
                        test_x=small_synthetic.test_x[::-1].copy())
    second = deliver(library, scrambled, tmp_path / "b", ensemble_rounds=20)
    assert second[MEMBERS] == first[MEMBERS] and second["flip"] == first["flip"]
    assert [s["val_acc"] for s in second[STEPS]] == [s["val_acc"] for s in first[STEPS]]
    assert [s["deliverable"] for s in second[STEPS]] == [s["deliverable"] for s in first[STEPS]]


def test_without_ensemble_rounds_the_deliverable_is_the_best_single_model_flipped_if_that_helps(library,
                                                                                               small_synthetic,
                                                                                               tmp_path):
    best = deliver(library, small_synthetic, tmp_path / "best", ensemble_rounds=0)
    assert [s["step"] for s in best[STEPS]] == [SEARCH_BEST, FLIP_STEP]
    assert len(best[MEMBERS]) == 1 and best[STEPS][-1]["deliverable"]
