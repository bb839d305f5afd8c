"""Tests for the built-in synthetic facial-expression data set."""

from __future__ import annotations

import numpy as np
import pytest

from trainables.synthetic import CLASS_WEIGHTS, make_synthetic_faces

DISGUST, HAPPY = 1, 3  # FER2013 label order: Angry, Disgust, Fear, Happy, Sad, Surprise, Neutral


@pytest.fixture(scope="module")
def faces_5000() -> tuple[np.ndarray, np.ndarray]:
    return make_synthetic_faces(5000, seed=0)


def test_class_weights_are_fer2013_train_proportions() -> None:
    counts = np.array([3995, 436, 4097, 7215, 4830, 3171, 4965])
    assert len(CLASS_WEIGHTS) == 7
    np.testing.assert_allclose(CLASS_WEIGHTS, counts / counts.sum())
    assert sum(CLASS_WEIGHTS) == pytest.approx(1.0)


def test_shapes_and_dtypes(faces_5000: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = faces_5000
    assert images.shape == (5000, 48, 48) and images.dtype == np.uint8
    assert labels.shape == (5000,) and labels.dtype == np.int64
    assert labels.min() >= 0 and labels.max() <= 6


def test_zero_images() -> None:
    images, labels = make_synthetic_faces(0, seed=0)
    assert images.shape == (0, 48, 48) and images.dtype == np.uint8
    assert labels.shape == (0,) and labels.dtype == np.int64


def test_same_seed_gives_identical_bytes() -> None:
    a_images, a_labels = make_synthetic_faces(300, seed=7)
    b_images, b_labels = make_synthetic_faces(300, seed=7)
    assert a_images.tobytes() == b_images.tobytes()
    assert a_labels.tobytes() == b_labels.tobytes()


def test_different_seed_gives_different_data() -> None:
    a_images, a_labels = make_synthetic_faces(300, seed=7)
    b_images, b_labels = make_synthetic_faces(300, seed=8)
    assert a_images.tobytes() != b_images.tobytes()
    assert a_labels.tobytes() != b_labels.tobytes()


def test_images_use_the_intensity_range_and_vary(faces_5000: tuple[np.ndarray, np.ndarray]) -> None:
    images, _ = faces_5000
    assert images.min() < 30 and images.max() > 225
    assert np.all(images.reshape(len(images), -1).std(axis=1) > 1.0)  # no blank images
    assert len({img.tobytes() for img in images[:500]}) == 500


def test_class_balance_follows_fer2013(faces_5000: tuple[np.ndarray, np.ndarray]) -> None:
    _, labels = faces_5000
    counts = np.bincount(labels, minlength=7)
    assert np.all(counts > 0)
    assert counts.argmin() == DISGUST
    assert counts.argmax() == HAPPY
    np.testing.assert_allclose(counts / counts.sum(), CLASS_WEIGHTS, atol=0.02)


def test_not_trivially_separable_but_informative(faces_5000: tuple[np.ndarray, np.ndarray]) -> None:
    """Nearest class mean on per-image standardised pixels (3,000 train / 1,000 test): below 60%, above 1/7."""
    images, labels = faces_5000[0][:4000], faces_5000[1][:4000]
    x = images.reshape(len(images), -1).astype(np.float32)
    x = (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-6)
    x_train, y_train, x_test, y_test = x[:3000], labels[:3000], x[3000:], labels[3000:]
    means = np.stack([x_train[y_train == c].mean(axis=0) for c in range(7)])
    distances = (x_test**2).sum(1)[:, None] - 2 * x_test @ means.T + (means**2).sum(1)[None, :]
    accuracy = np.mean(distances.argmin(axis=1) == y_test)
    assert 1 / 7 < accuracy < 0.6
