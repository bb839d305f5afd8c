"""Standardization statistics come from the training split only."""

from __future__ import annotations

import numpy as np
import pytest

from trainables.standardize import fit_standardizer


@pytest.fixture
def shifted_splits():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 128, (200, 48, 48)).astype(np.uint8)
    val = rng.integers(128, 256, (50, 48, 48)).astype(np.uint8)  # a different distribution
    return train, val


def test_pixel_standardization_is_a_per_pixel_z_score_fitted_on_train(shifted_splits):
    train, val = shifted_splits
    scaler = fit_standardizer("pixel", train)
    z = scaler(train)
    assert np.allclose(z.mean(axis=0), 0, atol=1e-4) and np.allclose(z.std(axis=0), 1, atol=1e-3)
    assert np.allclose(scaler.mean, train.mean(axis=0) / 255, atol=1e-6)
    assert scaler(val).mean() > 1.5  # validation is only transformed, never fitted


def test_global_standardization_uses_one_mean_and_std_from_train(shifted_splits):
    train, val = shifted_splits
    scaler = fit_standardizer("global", train)
    assert scaler.mean.shape == () and np.isclose(scaler.mean, train.mean() / 255, atol=1e-6)
    assert abs(scaler(train).mean()) < 1e-4


def test_constant_pixels_keep_scale_one_like_standard_scaler():
    train = np.full((10, 48, 48), 7, dtype=np.uint8)
    assert np.all(fit_standardizer("pixel", train)(train) == 0)


def test_per_image_standardization_needs_no_training_statistics(shifted_splits):
    _, val = shifted_splits
    z = fit_standardizer("per_image", val)(val)
    assert np.allclose(z.mean(axis=(1, 2)), 0, atol=1e-4)


def test_none_only_scales_pixels_to_unit_range(shifted_splits):
    train, _ = shifted_splits
    assert fit_standardizer("none", train)(train).max() <= 1.0


def test_unknown_standardization_is_rejected(shifted_splits):
    with pytest.raises(ValueError, match="standardization is 'zca'"):
        fit_standardizer("zca", shifted_splits[0])


def test_raw_keeps_the_0_to_255_pixels_the_study_fed_its_networks(shifted_splits):
    train, val = shifted_splits
    raw = fit_standardizer("raw", train)
    assert raw(val).dtype == np.float32 and np.array_equal(raw(val), val.astype(np.float32))
    assert raw(val).max() > 128  # not divided by 255, unlike "none"
