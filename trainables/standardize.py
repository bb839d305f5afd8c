"""Input standardization, with statistics fitted on the training split only.

`pixel` is the per-pixel z-score the study used (scikit-learn StandardScaler semantics:
population std, a zero-variance pixel keeps scale 1); `global` uses one mean/std;
`per_image` scales each image by its own statistics; `none` only maps pixels to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STANDARDIZATIONS = ("none", "pixel", "global", "per_image")


@dataclass(frozen=True)
class Standardizer:
    """Maps uint8 images (N, 48, 48) to float32 model inputs."""

    kind: str
    mean: np.ndarray
    std: np.ndarray

    def __call__(self, images: np.ndarray) -> np.ndarray:
        x = images.astype(np.float32) / 255.0
        if self.kind == "per_image":
            mean = x.mean(axis=(1, 2), keepdims=True)
            std = x.std(axis=(1, 2), keepdims=True)
            return (x - mean) / np.where(std > 0, std, 1.0)
        return (x - self.mean) / self.std


def fit_standardizer(kind: str, train_images: np.ndarray) -> Standardizer:
    """Fit `kind` on the training images; validation and test are only ever transformed."""
    if kind not in STANDARDIZATIONS:
        raise ValueError(f"The standardization is {kind!r}, but must be one of {STANDARDIZATIONS}")
    x = train_images.astype(np.float64) / 255.0
    if kind == "pixel":
        mean, std = x.mean(axis=0), x.std(axis=0)
    elif kind == "global":
        mean, std = np.asarray(x.mean()), np.asarray(x.std())
    else:
        mean, std = np.asarray(0.0), np.asarray(1.0)
    std = np.where(std > 0, std, 1.0)
    return Standardizer(kind, mean.astype(np.float32), std.astype(np.float32))
