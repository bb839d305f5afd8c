"""Input standardization, with statistics fitted on the training split only.

`pixel` is the per-pixel z-score the study used (scikit-learn StandardScaler semantics:
population std, a zero-variance pixel keeps scale 1); `global` uses one mean/std;
`per_image` scales each image by its own statistics; `none` only maps pixels to [0, 1];
`raw` keeps the 0–255 pixel values, as the study fed them when it did not standardize (it
loaded FER2013 into arrays and standardized with scikit-learn, so its "raw data" was never
divided by 255; a 255× larger input changes which learning rates work).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STANDARDIZATIONS = ("none", "pixel", "global", "per_image", "raw")


@dataclass(frozen=True)
class Standardizer:
    """Maps uint8 images (N, 48, 48) to float32 model inputs."""

    kind: str
    mean: np.ndarray
    std: np.ndarray

    def __call__(self, images: np.ndarray) -> np.ndarray:
        # In place on one float32 copy: on all of FER2013 each temporary would be 265 MB.
        x = images.astype(np.float32)
        if self.kind == "raw":
            return x
        x /= np.float32(255)
        if self.kind == "per_image":
            mean = x.mean(axis=(1, 2), keepdims=True)
            std = x.std(axis=(1, 2), keepdims=True)
            x -= mean
            x /= np.where(std > 0, std, 1.0)
            return x
        x -= self.mean
        x /= self.std
        return x


def fit_standardizer(kind: str, train_images: np.ndarray) -> Standardizer:
    """Fit `kind` on the training images; validation and test are only ever transformed."""
    if kind not in STANDARDIZATIONS:
        raise ValueError(f"The standardization is {kind!r}, but must be one of {STANDARDIZATIONS}")
    if kind in ("pixel", "global"):
        mean, std = _pixel_moments(train_images)
        if kind == "global":  # the pooled moments of all pixels
            global_mean = mean.mean()
            mean, std = np.asarray(global_mean), np.sqrt(np.mean(std ** 2 + (mean - global_mean) ** 2))
        mean, std = mean / 255.0, np.where(std > 0, std / 255.0, 1.0)
    else:
        mean, std = np.asarray(0.0), np.asarray(1.0)
    return Standardizer(kind, mean.astype(np.float32), std.astype(np.float32))


def _pixel_moments(images: np.ndarray, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel mean and population std of uint8 images, summed in float64 a chunk at a time
    (a float64 copy of all of FER2013 would be 530 MB and take seconds to make)."""
    total = np.zeros(images.shape[1:], dtype=np.float64)
    squares = np.zeros(images.shape[1:], dtype=np.float64)
    for first in range(0, len(images), chunk):
        block = images[first:first + chunk].astype(np.float64)
        total += block.sum(axis=0)
        squares += np.square(block).sum(axis=0)
    mean = total / len(images)
    variance = squares / len(images) - mean ** 2
    # Rounding leaves about 1e-12 where a pixel is constant; any real variance of 0-255 values is far above.
    return mean, np.sqrt(np.where(variance > 1e-6, variance, 0.0))
