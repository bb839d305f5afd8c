"""A cheap check that a copy of FER2013 looks like FER2013 before hours of search are spent on it.

Per split it measures sharpness (median per-image variance of a 3x3 Laplacian) and contrast
(median per-image pixel standard deviation) on an evenly spaced sample of at most 2,000 images
(about 0.1 s for all three splits of the real data), and compares train with validation.

Why the thresholds: train / validation ratios measured on the real Kaggle image folders
(medians: sharpness 2,010.6 vs 2,044.6, contrast 53.9 vs 53.7), on random subsets of them
(smallest and largest of 500 draws), and with the whole train split altered by PIL:

    train split                          sharpness    contrast
    as published                         0.98         1.00
    random 300 train / 100 val subsets   0.78-1.21    0.90-1.12
    random 100 train / 50 val subsets    0.75-1.44    0.86-1.18
    Gaussian blur, sigma 0.5             0.44         0.97
    Gaussian blur, sigma 1               0.072        0.91
    Gaussian blur, sigma 2               0.0085       0.81
    Gaussian blur, sigma 3               0.0027       0.73
    re-saved as JPEG, quality 30         0.70         1.00
    autocontrast                         1.20         1.12
    histogram equalisation               2.24         1.38

A sharpness ratio beyond 1.5 either way (`SHARPNESS_RATIO`) flags any visible blur and
equalisation, while 100/50-image subsets and a quality-30 JPEG re-save stay inside it; a contrast
ratio beyond 1.25 (`CONTRAST_RATIO`) flags equalisation and strong blur and leaves subsets
and mild autocontrast alone. Split sizes are compared with the official 28,709 / 3,589 / 3,589
only for real data; a mismatch is a warning, not an error, since training on a subset is legitimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trainables.dataset import Splits

SPLITS = ("train", "val", "test")
OFFICIAL_SIZES = {"train": 28_709, "val": 3_589, "test": 3_589}
SAMPLE_SIZE = 2_000
SHARPNESS_RATIO = 1.5
CONTRAST_RATIO = 1.25
_SPLIT_NAMES = {"train": "training", "val": "validation", "test": "test"}


@dataclass(frozen=True)
class DataQuality:
    """What `check_data_quality` measured, and the warnings it draws.

    Attributes:
        split_sizes: images per split, keyed "train", "val" and "test".
        sharpness: per split, the median per-image variance of the Laplacian (None for an empty split).
        contrast: per split, the median per-image pixel standard deviation (None for an empty split).
        warnings: one-line messages for a person; empty when all is well.
    """

    split_sizes: dict[str, int]
    sharpness: dict[str, float | None]
    contrast: dict[str, float | None]
    warnings: list[str]

    def as_dict(self) -> dict:
        """JSON-ready summary, for a run's metadata."""
        return {
            "split_sizes": dict(self.split_sizes),
            "official_sizes": dict(OFFICIAL_SIZES),
            "sharpness": dict(self.sharpness),
            "contrast": dict(self.contrast),
            "warnings": list(self.warnings),
        }


def check_data_quality(splits: Splits) -> DataQuality:
    """Measure each split and warn about sizes (real data only) and train/validation mismatches.

    Cheap enough (a fraction of a second) to run before every search, so that a blurred or
    equalised copy is noticed before hours of trials are spent on it.
    """
    images = {split: getattr(splits, f"{split}_x") for split in SPLITS}
    sizes = {split: len(images[split]) for split in SPLITS}
    samples = {split: _evenly_spaced(images[split], SAMPLE_SIZE) for split in SPLITS}
    sharpness = {split: _median_or_none(_laplacian_variance(sample)) for split, sample in samples.items()}
    contrast = {split: _median_or_none(_pixel_std(sample)) for split, sample in samples.items()}
    warnings = [] if splits.synthetic else _size_warnings(sizes)
    warnings += _sharpness_warnings(sharpness["train"], sharpness["val"])
    warnings += _contrast_warnings(contrast["train"], contrast["val"])
    return DataQuality(split_sizes=sizes, sharpness=sharpness, contrast=contrast, warnings=warnings)


def _evenly_spaced(images: np.ndarray, limit: int) -> np.ndarray:
    """A deterministic sample that spans the whole split (image folders are stored class by class)."""
    if len(images) <= limit:
        return images
    return images[np.linspace(0, len(images) - 1, num=limit).astype(np.int64)]


def _laplacian_variance(images: np.ndarray) -> np.ndarray:
    """Per-image variance of the 4-neighbour Laplacian over the interior pixels: high when sharp."""
    f = images.astype(np.float32)
    laplacian = f[:, :-2, 1:-1] + f[:, 2:, 1:-1] + f[:, 1:-1, :-2] + f[:, 1:-1, 2:] - 4 * f[:, 1:-1, 1:-1]
    return laplacian.var(axis=(1, 2))


def _pixel_std(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32).std(axis=(1, 2))


def _median_or_none(values: np.ndarray) -> float | None:
    return round(float(np.median(values)), 2) if len(values) else None


def _size_warnings(sizes: dict[str, int]) -> list[str]:
    return [f"the {_SPLIT_NAMES[split]} split has {sizes[split]:,} images where the official FER2013 has "
            f"{OFFICIAL_SIZES[split]:,}: a subset, or an incomplete copy"
            for split in SPLITS if sizes[split] != OFFICIAL_SIZES[split]]


def _sharpness_warnings(train: float | None, val: float | None) -> list[str]:
    if not _differ(train, val, SHARPNESS_RATIO):
        return []
    if train < val:
        return [f"training images are much blurrier than validation images (median Laplacian variance "
                f"{train:,.1f} vs {val:,.1f}): this copy of FER2013 may have a blurred train split"]
    return [f"training images are much sharper than validation images (median Laplacian variance "
            f"{train:,.1f} vs {val:,.1f}): this copy of FER2013 may have a sharpened, equalised or noisier "
            f"train split"]


def _contrast_warnings(train: float | None, val: float | None) -> list[str]:
    if not _differ(train, val, CONTRAST_RATIO):
        return []
    if train < val:
        return [f"training images have much less contrast than validation images (median pixel standard "
                f"deviation {train:.1f} vs {val:.1f}): this copy of FER2013 may have a blurred or "
                f"contrast-reduced train split"]
    return [f"training images have much more contrast than validation images (median pixel standard "
            f"deviation {train:.1f} vs {val:.1f}): this copy of FER2013 may have a histogram-equalised or "
            f"contrast-stretched train split"]


def _differ(a: float | None, b: float | None, ratio: float) -> bool:
    """True when the larger exceeds `ratio` times the smaller (never for a missing split)."""
    if a is None or b is None:
        return False
    low, high = sorted((a, b))
    return high > ratio * low
