"""Loading FER2013 from each form users have it in, and rejecting bad input with one clear line."""

from __future__ import annotations

import csv
import io
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
    _plant_in_cache(tmp_path, val_y=(second.val_y + 1) % 7)
    assert np.array_equal(load_fer2013(fer2013_path, cache_dir=tmp_path).val_y, (first.val_y + 1) % 7)


def _plant_in_cache(cache_dir: Path, **changed: np.ndarray) -> None:
    """Rewrite the one cache file with some arrays changed: only a load that reads it sees them."""
    (cache_file,) = cache_dir.glob("fer2013-*.npz")
    with np.load(cache_file) as arrays:
        content = {k: arrays[k] for k in arrays.files} | changed
    np.savez(cache_file, **content)


def test_a_second_load_reads_the_cache_not_the_images(tmp_path):
    names = {"train/angry": ["Training_1.png"], "test/angry": ["PublicTest_1.png", "PrivateTest_1.png"]}
    root = _image_folder(tmp_path / "data", names)
    first = load_fer2013(root, cache_dir=tmp_path / "cache")
    _plant_in_cache(tmp_path / "cache", train_y=np.array([6]))  # what the images cannot say: label 6
    assert first.train_y.tolist() == [0]
    assert load_fer2013(root, cache_dir=tmp_path / "cache").train_y.tolist() == [6]


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


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def _error(path: Path, tmp_path: Path) -> str:
    """The one-line message of the DataError that loading `path` raises, checking it changed nothing on disk."""
    before = _tree(tmp_path)
    with pytest.raises(DataError) as caught:
        load_fer2013(path, cache_dir=tmp_path / "cache")
    message = str(caught.value)
    assert "\n" not in message
    assert _tree(tmp_path) == before  # no cache written, nothing touched
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


# --- image-folder layout: bad files -----------------------------------------------------

def _small_folder(root: Path) -> Path:
    return _image_folder(root, {"train/happy": ["Training_1.png"],
                                "test/happy": ["PublicTest_1.png", "PrivateTest_1.png"]})


def _jpeg_bytes(pixels: np.ndarray) -> bytes:
    stream = io.BytesIO()
    Image.fromarray(pixels).save(stream, "JPEG", quality=90)
    return stream.getvalue()


def test_hidden_files_such_as_ds_store_are_skipped(tmp_path):
    root = _small_folder(tmp_path / "data")
    (root / "train" / "happy" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "test" / ".ipynb_checkpoints").mkdir()
    assert len(load_fer2013(root, cache_dir=tmp_path / "cache").train_y) == 1


def test_non_image_file_in_an_emotion_folder_is_rejected_with_its_name(tmp_path):
    root = _small_folder(tmp_path / "data")
    (root / "train" / "happy" / "notes.txt").write_text("checked by hand")
    assert _error(root, tmp_path) == (f"{root}/train/happy/notes.txt: not an image file in an emotion folder; "
                                      f"expected only .jpg, .jpeg or .png images")


def test_folder_inside_an_emotion_folder_is_rejected(tmp_path):
    root = _small_folder(tmp_path / "data")
    (root / "test" / "happy" / "more").mkdir()
    assert _error(root, tmp_path).startswith(f"{root}/test/happy/more: a folder in an emotion folder")


def test_file_outside_the_emotion_folders_is_rejected(tmp_path):
    root = _small_folder(tmp_path / "data")
    (root / "train" / "Training_9.jpg").write_bytes(_jpeg_bytes(np.zeros((48, 48), np.uint8)))
    assert _error(root, tmp_path) == (f"{root}/train/Training_9.jpg: file outside an emotion folder; "
                                      f"expected train/<emotion>/*.jpg")


def test_jpg_that_is_really_text_is_rejected_with_its_name(tmp_path):
    root = _small_folder(tmp_path / "data")
    (root / "train" / "happy" / "Training_2.jpg").write_bytes(b"not a jpeg")
    assert _error(root, tmp_path) == f"{root}/train/happy/Training_2.jpg: not a JPEG or PNG image"


def test_empty_image_file_is_rejected_with_its_name(tmp_path):
    root = _small_folder(tmp_path / "data")
    (root / "train" / "happy" / "Training_2.png").write_bytes(b"")
    assert _error(root, tmp_path) == f"{root}/train/happy/Training_2.png: not a JPEG or PNG image"


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_truncated_image_is_rejected_with_its_name(suffix, tmp_path):
    root = _small_folder(tmp_path / "data")
    whole = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (48, 48), dtype=np.uint8)).save(
        whole, "JPEG" if suffix == ".jpg" else "PNG")
    (root / "test" / "happy" / f"PublicTest_2{suffix}").write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    message = _error(root, tmp_path)
    assert message.startswith(f"{root}/test/happy/PublicTest_2{suffix}: unreadable or truncated image (")


def test_image_that_is_not_48x48_is_rejected_with_its_size_not_resized(tmp_path):
    root = _small_folder(tmp_path / "data")
    Image.fromarray(np.zeros((64, 50), np.uint8)).save(root / "train" / "happy" / "Training_2.png")
    assert _error(root, tmp_path) == (f"{root}/train/happy/Training_2.png: image is 50x64 pixels; "
                                      f"FER2013 images are 48x48")


def test_colour_48x48_image_is_read_as_greyscale(tmp_path):
    root = _small_folder(tmp_path / "data")
    Image.new("RGB", (48, 48), (0, 255, 0)).save(root / "train" / "happy" / "Training_2.png")
    splits = load_fer2013(root, cache_dir=tmp_path / "cache")
    assert splits.train_x[1].min() == splits.train_x[1].max() == 150  # ITU-R 601 luma of pure green


# --- CSV forms: bad content ------------------------------------------------------------

SEVENS = " ".join(["7"] * 2304)
ALMOST = " ".join(["7"] * 2303)
BAD_ROWS = {  # a row written as line 3 of a good file -> the problem its message names
    "too few pixels": (f"0,{' '.join(['7'] * 2000)},Training", "2000 pixels, expected 2304"),
    "too many pixels": (f"0,{SEVENS} 7,Training", "2305 pixels, expected 2304"),
    "no pixels": ("0,,Training", "0 pixels, expected 2304"),
    "word pixel": (f"0,{ALMOST} x,Training", "pixel 'x' is not an integer 0-255"),
    "decimal pixel": (f"0,{ALMOST} 1.5,Training", "pixel '1.5' is not an integer 0-255"),
    "negative pixel": (f"0,{ALMOST} -1,Training", "pixel '-1' is not an integer 0-255"),
    "other script's digit": (f"0,{ALMOST} \u0663,Training", "pixel '\u0663' is not an integer 0-255"),
    "pixel above 255": (f"0,{ALMOST} 256,Training", "pixel value '256' is out of range 0-255"),
    "pixel past int64": (f"0,{ALMOST} {'9' * 30},Training", f"pixel value '{'9' * 30}' is out of range 0-255"),
    "unknown usage": (f"0,{SEVENS},Train", "Usage 'Train' is not Training, PublicTest or PrivateTest"),
    "empty usage": (f"0,{SEVENS},", "Usage '' is not Training, PublicTest or PrivateTest"),
    "emotion name": (f"happy,{SEVENS},Training", "emotion 'happy' is not an integer 0-6"),
    "decimal emotion": (f"1.0,{SEVENS},Training", "emotion '1.0' is not an integer 0-6"),
    "signed emotion": (f"+3,{SEVENS},Training", "emotion '+3' is not an integer 0-6"),
    "empty emotion": (f",{SEVENS},Training", "emotion '' is not an integer 0-6"),
    "emotion 7": (f"7,{SEVENS},Training", "emotion '7' is out of range 0-6"),
    "emotion 10": (f"10,{SEVENS},Training", "emotion '10' is out of range 0-6"),
    "two fields": (f"0,{SEVENS}", "2 fields, expected 3"),
    "four fields": (f"0,{SEVENS},Training,note", "4 fields, expected 3"),
    "one field of spaces": ("   ", "1 fields, expected 3"),
    "unquoted comma in pixels": (f"0,{ALMOST},7,Training", "4 fields, expected 3"),
    "huge field": ("0,\"" + "7 " * 70_000 + "\",Training", "malformed CSV (field larger than field limit (131072))"),
}


def _csv_text(rows: list[str], header: str = "emotion,pixels,Usage") -> str:
    return "\n".join([header, *rows]) + "\n"


def _good_rows() -> list[str]:
    return [f"{label},{pixels},{usage}" for label, pixels, usage in _rows(1)]


@pytest.mark.parametrize("row, problem", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_csv_row_is_rejected_naming_the_file_and_the_line(row, problem, tmp_path):
    rows = _good_rows()
    rows.insert(1, row)
    path = tmp_path / "fer2013.csv"
    path.write_text(_csv_text(rows))
    assert _error(path, tmp_path) == f"{path}: line 3: {problem}"


BAD_HEADERS = {
    "renamed column": "label,pixels,Usage",
    "missing column": "emotion,pixels",
    "extra column": "emotion,pixels,Usage,notes",
    "repeated column": "emotion,emotion,Usage",
    "lower-case usage": "emotion,pixels,usage",
}


@pytest.mark.parametrize("header", BAD_HEADERS.values(), ids=BAD_HEADERS.keys())
def test_bad_csv_header_is_rejected_naming_the_file_and_line_1(header, tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text(_csv_text(_good_rows(), header=header))
    assert _error(path, tmp_path) == (f"{path}: line 1: CSV header is '{header}'; "
                                      f"expected the columns emotion, pixels, Usage")


def test_csv_without_a_header_is_rejected_showing_the_start_of_its_first_line(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text("\n".join(_good_rows()) + "\n")
    message = _error(path, tmp_path)
    assert message.startswith(f"{path}: line 1: CSV header is '0,") and "...'; expected the columns" in message


def test_blank_first_line_is_rejected_as_an_empty_header(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text("\n" + _csv_text(_good_rows()))
    assert _error(path, tmp_path) == f"{path}: line 1: CSV header is empty; expected the columns emotion, pixels, Usage"


def test_empty_csv_file_is_rejected(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text("")
    assert _error(path, tmp_path) == (f"{path}: empty file; expected a CSV header emotion,pixels,Usage "
                                      f"and one row per image")


def test_csv_with_only_a_header_is_rejected(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text(_csv_text([]))
    assert _error(path, tmp_path) == f"{path}: no data rows"


def test_csv_missing_one_usage_is_rejected(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text(_csv_text(_good_rows()[:2]))
    assert _error(path, tmp_path) == f"{path}: no rows with Usage PrivateTest"


def test_csv_that_is_not_utf8_is_rejected_naming_the_line_of_the_bad_bytes(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_bytes(_csv_text(_good_rows()).encode() + b"0,\xff\xfe,Training\n")  # past the reader's first chunk
    assert _error(path, tmp_path) == f"{path}: line 5: not UTF-8 text"


def test_blank_lines_count_in_the_line_numbers(tmp_path):
    rows = _good_rows()
    path = tmp_path / "fer2013.csv"
    path.write_text(_csv_text([rows[0], "", "", f"9,{SEVENS},Training", *rows[1:]]))
    assert _error(path, tmp_path) == f"{path}: line 5: emotion '9' is out of range 0-6"


def test_a_row_spanning_lines_is_named_by_its_first_line_and_its_value_shown_on_one_line(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text(_csv_text([_good_rows()[0], f'0,{SEVENS},"Train\ning"']))
    assert _error(path, tmp_path) == (f"{path}: line 3: Usage 'Train\\ning' is not Training, PublicTest "
                                      f"or PrivateTest")


def test_csv_with_a_bom_crlf_line_ends_blank_lines_and_padded_fields_loads(tmp_path):
    rows = [f" {label} ,{pixels}, {usage} " for label, pixels, usage in _rows(1)]
    path = tmp_path / "fer2013.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(["emotion,pixels,Usage", rows[0], "", *rows[1:]]) + "\r\n").encode())
    splits = load_fer2013(path, cache_dir=tmp_path / "cache")
    assert (splits.train_y.tolist(), splits.val_y.tolist(), splits.test_y.tolist()) == ([0], [0], [0])
    assert splits.test_x[0, 0, :3].tolist() == [int(v) for v in _rows(1)[2][1].split()[:3]]
