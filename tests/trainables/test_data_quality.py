"""The data-quality check: real FER2013 passes, a blurred or equalised train split is flagged, and split
sizes are compared with the official ones for real data only."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageOps

from trainables import check_data_quality, load_fer2013

SUBSET_SIZES = {"train": 300, "val": 100, "test": 100}
SUBSET_SIZE_WARNINGS = [
    "the training split has 300 images where the official FER2013 has 28,709: a subset, or an incomplete copy",
    "the validation split has 100 images where the official FER2013 has 3,589: a subset, or an incomplete copy",
    "the test split has 100 images where the official FER2013 has 3,589: a subset, or an incomplete copy",
]


def test_real_fer2013_passes_without_warnings(fer2013_path, tmp_path):
    quality = check_data_quality(load_fer2013(fer2013_path, cache_dir=tmp_path))
    assert quality.split_sizes == {"train": 28_709, "val": 3_589, "test": 3_589}
    assert quality.warnings == []


@pytest.fixture(scope="module")
def subset_files(fer2013_path) -> list[Path]:
    """300 Training, 100 PublicTest and 100 PrivateTest images, evenly spaced so every emotion is in."""
    chosen = []
    for pattern, n_images in (("train/*/Training_*", 300), ("test/*/PublicTest_*", 100),
                              ("test/*/PrivateTest_*", 100)):
        files = sorted(fer2013_path.glob(pattern))
        chosen += [files[i] for i in np.linspace(0, len(files) - 1, num=n_images).astype(int)]
    return chosen


def _copy(files: list[Path], root: Path, alter_train: Callable[[Image.Image], Image.Image] | None = None) -> Path:
    """The files as a small image-folder data set, with the training images altered (saved losslessly)."""
    for source in files:
        folder = root / source.parent.parent.name / source.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        if alter_train is not None and source.parent.parent.name == "train":
            with Image.open(source) as image:
                alter_train(image).save(folder / f"{source.stem}.png")
        else:
            shutil.copyfile(source, folder / source.name)
    return root


def _quality_warnings(warnings: list[str]) -> list[str]:
    """The sharpness and contrast warnings, without their figures."""
    return [warning.split(" (")[0] for warning in warnings if warning not in SUBSET_SIZE_WARNINGS]


def test_unaltered_subset_of_real_data_gets_only_size_warnings(subset_files, tmp_path):
    splits = load_fer2013(_copy(subset_files, tmp_path / "data"), cache_dir=tmp_path / "cache")
    quality = check_data_quality(splits)
    assert quality.split_sizes == SUBSET_SIZES
    assert quality.warnings == SUBSET_SIZE_WARNINGS


def test_train_split_blurred_with_sigma_3_is_flagged(subset_files, tmp_path):
    blurred = _copy(subset_files, tmp_path / "data", lambda image: image.filter(ImageFilter.GaussianBlur(3)))
    quality = check_data_quality(load_fer2013(blurred, cache_dir=tmp_path / "cache"))
    assert _quality_warnings(quality.warnings) == [
        "training images are much blurrier than validation images",
        "training images have much less contrast than validation images",
    ]
    assert quality.warnings[3].endswith(": this copy of FER2013 may have a blurred train split")


def test_histogram_equalised_train_split_is_flagged(subset_files, tmp_path):
    equalised = _copy(subset_files, tmp_path / "data", ImageOps.equalize)
    quality = check_data_quality(load_fer2013(equalised, cache_dir=tmp_path / "cache"))
    assert _quality_warnings(quality.warnings) == [
        "training images are much sharper than validation images",
        "training images have much more contrast than validation images",
    ]


def test_synthetic_data_gets_no_size_warning(small_synthetic):
    quality = check_data_quality(small_synthetic)
    assert quality.split_sizes == {"train": 1200, "val": 400, "test": 400}
    assert quality.warnings == []


def test_as_dict_is_json_ready_with_sizes_measures_and_warnings(small_synthetic):
    summary = check_data_quality(small_synthetic).as_dict()
    assert json.loads(json.dumps(summary)) == summary
    assert list(summary) == ["split_sizes", "official_sizes", "sharpness", "contrast", "warnings"]
    assert summary["official_sizes"] == {"train": 28_709, "val": 3_589, "test": 3_589}
    assert all(value > 0 for key in ("sharpness", "contrast") for value in summary[key].values())


def test_an_empty_split_has_no_measures_and_is_not_compared(small_synthetic):
    no_test = replace(small_synthetic, test_x=small_synthetic.test_x[:0], test_y=small_synthetic.test_y[:0])
    quality = check_data_quality(no_test)
    assert quality.sharpness["test"] is None and quality.contrast["test"] is None
    assert quality.warnings == []
