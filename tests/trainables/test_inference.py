"""The model put to use: faces from any image, per-class results, and the torch.export program
whose outputs equal the checkpoint's — one model, or an ensemble with flip test-time augmentation."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from trainables import Hyperparameters, TrialSettings, load_model, run_trial
from trainables.inference import (export_ensemble, export_model, load_exported, per_class_results, probabilities,
                                  to_face)

EXPORT_FILE = "model.pt2"  # torch.export's own suffix


@pytest.mark.parametrize("kind", ["raw", "none", "pixel", "global", "per_image"])
def test_the_exported_model_gives_the_checkpoints_probabilities_on_the_test_split(kind, small_synthetic, tmp_path):
    hp = Hyperparameters(arch="arch1", optimizer="adamw", lr=0.003, batch_size=64, standardize=kind)

    def keep(metrics, checkpoint_dir):
        shutil.copytree(checkpoint_dir, tmp_path / "checkpoint")

    run_trial(hp, TrialSettings(max_epochs=1, precision="fp32"), small_synthetic, keep, threads=1,
              device=torch.device("cpu"))
    model, _, standardizer = load_model(tmp_path / "checkpoint", torch.device("cpu"))
    expected = probabilities(model, standardizer, small_synthetic.test_x)
    export_model(model, standardizer, tmp_path / EXPORT_FILE)
    exported = load_exported(tmp_path / EXPORT_FILE)
    got = exported(torch.from_numpy(small_synthetic.test_x).float()).numpy()  # 0-255 faces in, nothing else
    assert got.shape == (len(small_synthetic.test_y), 7)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert not np.allclose(expected, expected[0])  # a trained model, not a constant


def test_an_exported_ensemble_with_flip_gives_the_weighted_mean_of_its_members_on_the_test_split(small_synthetic,
                                                                                                 tmp_path):
    trained = []
    for i, (kind, arch) in enumerate([("pixel", "arch1"), ("per_image", "arch1")]):
        hp = Hyperparameters(arch=arch, optimizer="adamw", lr=0.003, batch_size=64, standardize=kind)
        folder = tmp_path / f"member{i}"
        run_trial(hp, TrialSettings(max_epochs=1, seed=i, precision="fp32"), small_synthetic,
                  lambda metrics, checkpoint_dir, folder=folder: shutil.copytree(checkpoint_dir, folder), threads=1,
                  device=torch.device("cpu"))
        trained.append(load_model(folder, torch.device("cpu")))
    faces = small_synthetic.test_x
    flipped_mean = [(probabilities(m, s, faces) + probabilities(m, s, faces, flip=True)) / 2 for m, _, s in trained]
    expected = (2 * flipped_mean[0] + flipped_mean[1]) / 3
    assert not np.allclose(flipped_mean[0], flipped_mean[1], atol=1e-3)  # two different models
    export_ensemble([(m, s) for m, _, s in trained], [2, 1], tmp_path / EXPORT_FILE, flip=True)
    got = load_exported(tmp_path / EXPORT_FILE)(torch.from_numpy(faces).float()).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(got.sum(axis=1), 1, atol=1e-5)


def test_any_image_becomes_a_48_by_48_greyscale_face():
    colour = Image.new("RGB", (200, 120), (255, 0, 0))
    face = to_face(colour)
    assert face.shape == (48, 48) and face.dtype == np.uint8
    assert np.all(face == np.asarray(Image.new("RGB", (1, 1), (255, 0, 0)).convert("L"))[0, 0])


def test_per_class_results_by_hand():
    labels = np.array([0, 0, 1, 1, 3, 3, 3, 3])
    predicted = np.array([0, 1, 1, 1, 3, 3, 3, 0])
    result = per_class_results(labels, predicted)
    # angry: tp 1, fp 1 (a happy face), fn 1 -> precision 0.5, recall 0.5; disgust: tp 2, fp 1 -> 2/3, 1
    assert result["precision"][:2] == pytest.approx([0.5, 2 / 3]) and result["recall"][:2] == [0.5, 1.0]
    assert result["recall"][3] == 0.75 and result["support"] == [2, 2, 0, 4, 0, 0, 0]
    assert result["confusion"][3] == [1, 0, 0, 3, 0, 0, 0]
    f1 = [0.5, 0.8, 0.0, 6 / 7, 0.0, 0.0, 0.0]
    assert result["macro_f1"] == pytest.approx(sum(f1) / 7)
