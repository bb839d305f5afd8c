"""Loading FER2013 from each form users have it in, and rejecting bad input with one clear line."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trainables import DataError, load_fer2013

TRAIN_COUNTS = [3995, 436, 4097, 7215, 4830, 3171, 4965]


def test_real_fer2013_has_the_official_splits_and_class_counts(fer2013_path, tmp_path):
    splits = load_fer2013(fer2013_path, cache_dir=tmp_path)
    assert (len(splits.train_y), len(splits.val_y), len(splits.test_y)) == (28709, 3589, 3589)
    assert splits.class_counts("train") == TRAIN_COUNTS
    assert splits.train_x.shape == (28709, 48, 48) and splits.train_x.dtype == np.uint8
    assert not splits.synthetic


def test_second_load_comes_from_the_cache_and_matches(fer2013_path, tmp_path):
    first = load_fer2013(fer2013_path, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("fer2013-*.npz"))) == 1
    second = load_fer2013(fer2013_path, cache_dir=tmp_path)
    assert np.array_equal(first.test_x, second.test_x) and np.array_equal(first.val_y, second.val_y)


def _rows(n_per_usage: int = 3) -> list[tuple[int, str, str]]:
    rng = np.random.default_rng(0)
    rows = []
    for usage in ("Training", "PublicTest", "PrivateTest"):
        for i in range(n_per_usage):
            pixels = " ".join(str(v) for v in rng.integers(0, 256, 2304))
            rows.append((i % 7, pixels, usage))
    return rows


def _write_csv(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_original_fer2013_csv_loads_its_three_usages(tmp_path):
    rows = _rows()
    path = _write_csv(tmp_path / "fer2013.csv", ["emotion", "pixels", "Usage"], rows)
    splits = load_fer2013(path, cache_dir=tmp_path / "cache")
    assert (len(splits.train_y), len(splits.val_y), len(splits.test_y)) == (3, 3, 3)
    assert splits.train_x[1, 0, :3].tolist() == [int(v) for v in rows[1][1].split()[:3]]
    assert splits.test_y.tolist() == [0, 1, 2]


def test_icml_face_data_csv_with_spaced_headers_loads_from_its_folder(tmp_path):
    rows = [(label, usage, pixels) for label, pixels, usage in _rows()]
    _write_csv(tmp_path / "icml_face_data.csv", ["emotion", " Usage", " pixels"], rows)
    splits = load_fer2013(tmp_path, cache_dir=tmp_path / "cache")
    assert (len(splits.train_y), len(splits.val_y), len(splits.test_y)) == (3, 3, 3)


def _image_folder(root: Path, names: dict[str, list[str]]) -> Path:
    rng = np.random.default_rng(0)
    for relative_dir, files in names.items():
        (root / relative_dir).mkdir(parents=True, exist_ok=True)
        for name in files:
            Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(root / relative_dir / name)
    return root


def test_image_folder_without_usage_prefixes_splits_test_into_stratified_halves(tmp_path):
    names = {f"train/{emotion}": [f"{emotion}{i}.png" for i in range(2)] for emotion in ("happy", "sad")}
    names |= {f"test/{emotion}": [f"t{emotion}{i}.png" for i in range(4)] for emotion in ("happy", "sad")}
    root = _image_folder(tmp_path / "data", names)
    splits = load_fer2013(root, cache_dir=tmp_path / "cache")
    again = load_fer2013(root, cache_dir=tmp_path / "other-cache")
    assert len(splits.train_y) == 4
    assert splits.class_counts("val") == splits.class_counts("test") == [0, 0, 0, 2, 2, 0, 0]
    assert np.array_equal(splits.val_x, again.val_x)  # deterministic


def test_adding_an_image_invalidates_the_cache(tmp_path):
    names = {"train/angry": ["Training_1.png"], "test/angry": ["PublicTest_1.png", "PrivateTest_1.png"]}
    root = _image_folder(tmp_path / "data", names)
    assert len(load_fer2013(root, cache_dir=tmp_path / "cache").train_y) == 1
    _image_folder(root, {"train/fear": ["Training_2.png"]})
    assert load_fer2013(root, cache_dir=tmp_path / "cache").train_y.tolist() == [0, 2]


def _error(path: Path, tmp_path: Path) -> str:
    with pytest.raises(DataError) as caught:
        load_fer2013(path, cache_dir=tmp_path / "cache")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_path_is_rejected(tmp_path):
    assert "no such file or folder" in _error(tmp_path / "nowhere", tmp_path)


def test_empty_folder_is_rejected(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "empty folder" in _error(tmp_path / "empty", tmp_path)


def test_unknown_layout_is_rejected(tmp_path):
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "notes.txt").write_text("hello")
    assert "unknown layout" in _error(tmp_path / "odd", tmp_path)


def test_image_folder_with_no_images_is_rejected(tmp_path):
    (tmp_path / "d" / "train" / "happy").mkdir(parents=True)
    (tmp_path / "d" / "test" / "happy").mkdir(parents=True)
    assert "no images found" in _error(tmp_path / "d", tmp_path)


def test_wrong_csv_header_is_rejected(tmp_path):
    path = _write_csv(tmp_path / "fer2013.csv", ["label", "pixels", "Usage"], _rows(1))
    message = _error(path, tmp_path)
    assert "fer2013.csv" in message and "header" in message


def test_csv_row_with_wrong_pixel_count_is_rejected(tmp_path):
    rows = _rows(1)
    rows[1] = (rows[1][0], " ".join(rows[1][1].split()[:2000]), rows[1][2])
    message = _error(_write_csv(tmp_path / "fer2013.csv", ["emotion", "pixels", "Usage"], rows), tmp_path)
    assert "line 3" in message and "2000 pixels, expected 2304" in message


def test_csv_label_out_of_range_is_rejected(tmp_path):
    rows = _rows(1)
    rows[2] = (9, rows[2][1], rows[2][2])
    message = _error(_write_csv(tmp_path / "fer2013.csv", ["emotion", "pixels", "Usage"], rows), tmp_path)
    assert "line 4" in message and "emotion 9 is out of range" in message


def test_unreadable_image_is_rejected_with_its_file_name(tmp_path):
    root = _image_folder(tmp_path / "data", {"train/happy": ["Training_1.png"], "test/happy": ["PublicTest_1.png"]})
    (root / "train" / "happy" / "Training_2.jpg").write_bytes(b"not a jpeg")
    message = _error(root, tmp_path)
    assert "Training_2.jpg" in message and "unreadable image" in message
