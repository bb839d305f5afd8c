"""Pick the data a search runs on: real FER2013 when given, else the built-in synthetic faces."""

from __future__ import annotations

import os

from trainables.dataset import Splits
from trainables.fer2013 import load_fer2013
from trainables.synthetic import make_synthetic_faces

SYNTHETIC_SIZES = (6_000, 1_000, 1_000)  # train, validation, test: a laptop search stays in minutes
SYNTHETIC_NOTICE = ("Data: built-in SYNTHETIC faces (no FER2013 given). For real data pass "
                    "--data PATH or set FER2013_PATH to the Kaggle image folders or fer2013.csv.")


def load_splits(path: str | None = None) -> Splits:
    """FER2013 from `path`, else from `$FER2013_PATH`, else the synthetic set."""
    path = path or os.environ.get("FER2013_PATH")
    return load_fer2013(path) if path else synthetic_splits()


def synthetic_splits(sizes: tuple[int, int, int] = SYNTHETIC_SIZES, seed: int = 0) -> Splits:
    """Three independently drawn synthetic splits, deterministic by `seed`."""
    arrays = []
    for offset, n_images in enumerate(sizes):
        arrays += make_synthetic_faces(n_images, seed=seed * 3 + offset)
    return Splits(*arrays, source="built-in generator", synthetic=True)
