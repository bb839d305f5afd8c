"""The in-memory data set every trial trains on: three splits of 48×48 uint8 faces."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
IMAGE_SIZE = 48
PIXELS = IMAGE_SIZE * IMAGE_SIZE

# FER2013's facts, counted on its official splits; every figure derived from them is computed here.
TRAIN_COUNTS = (3995, 436, 4097, 7215, 4830, 3171, 4965)
VALIDATION_COUNTS = (467, 56, 496, 895, 653, 415, 607)  # PublicTest
TRAIN_SHARES = tuple(count / sum(TRAIN_COUNTS) for count in TRAIN_COUNTS)
MAJORITY_ACCURACY = max(VALIDATION_COUNTS) / sum(VALIDATION_COUNTS)
"""Validation accuracy of always answering "happy", the largest class of PublicTest (24.9%)."""
CLASS_FREQUENCY_LOSS = -sum(p * math.log(p) for p in TRAIN_SHARES)
"""Cross-entropy of predicting the training split's class shares (1.81): a run whose training loss
stays at it has learnt nothing but the class frequencies — the study's "could not minimise the loss"."""
UNIFORM_LOSS = math.log(len(EMOTIONS))
"""Cross-entropy of guessing every class alike (ln 7): above it a model is worse than guessing."""


class DataError(ValueError):
    """Bad input data; its message is one line naming the file and the problem."""

    def __init__(self, message: str) -> None:
        # Paths and values quoted from a file may hold line breaks; the message stays one line anyway.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


@dataclass(frozen=True)
class Splits:
    """Train / validation / test images (N, 48, 48) uint8 with int64 labels 0..6.

    The search selects on validation only; test is touched once, for the final report.
    """

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    source: str
    synthetic: bool

    def describe(self) -> str:
        kind = "SYNTHETIC built-in faces" if self.synthetic else "FER2013"
        return (
            f"{kind} from {self.source}: train {len(self.train_y):,}, "
            f"validation {len(self.val_y):,}, test {len(self.test_y):,} images"
        )

    def class_counts(self, split: str) -> list[int]:
        labels = getattr(self, f"{split}_y")
        return np.bincount(labels, minlength=len(EMOTIONS)).tolist()

    def with_train_subset(self, n_images: int, seed: int) -> "Splits":
        """Keep `n_images` training images, stratified by class (validation and test untouched)."""
        if n_images >= len(self.train_y):
            return self
        keep = stratified_sample(self.train_y, n_images, seed)
        return replace(self, train_x=self.train_x[keep], train_y=self.train_y[keep],
                       source=f"{self.source} (train subset {n_images:,})")


def stratified_sample(labels: np.ndarray, n_images: int, seed: int) -> np.ndarray:
    """Sorted indices of `n_images` items keeping each class's share (largest remainders)."""
    if not 0 < n_images <= len(labels):
        raise ValueError(f"The sample size is {n_images}, but must be in 1..{len(labels)}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n_images / len(labels)
    quota = np.floor(exact).astype(int)
    leftover = n_images - quota.sum()
    quota[np.argsort(quota - exact)[:leftover]] += 1
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


def split_in_halves(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic stratified halves (first gets the odd one) of a labelled set."""
    first = stratified_sample(labels, (len(labels) + 1) // 2, seed)
    second = np.setdiff1d(np.arange(len(labels)), first)
    return first, second
