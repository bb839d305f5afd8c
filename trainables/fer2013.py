"""Read real FER2013 from the forms users have it in, with a decode cache.

Forms: the Kaggle image-folder layout (`train/<emotion>/*.jpg`, `test/<emotion>/*.jpg`),
the original `fer2013.csv` (`emotion,pixels,Usage`) and `icml_face_data.csv`
(`emotion, Usage, pixels`). Usage/file prefixes give the official splits:
Training → train, PublicTest → validation, PrivateTest → test.
Anything that is not FER2013 (a stray file, an image that is not 48x48, a malformed row) is
rejected with a one-line `DataError` naming the file (and the line), never repaired silently.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from trainables.dataset import EMOTIONS, IMAGE_SIZE, PIXELS, DataError, Splits, split_in_halves

CSV_NAMES = ("fer2013.csv", "icml_face_data.csv")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
IMAGE_FORMATS = ("JPEG", "PNG")  # what the suffixes promise; no other decoder sees the files
USAGE_TO_SPLIT = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
SPLIT_SEED = 2013  # fixes the val/test halves of an unprefixed test/ folder


def load_fer2013(path: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Splits:
    """Load FER2013 at `path` (image folder, CSV file, or folder holding a CSV).

    Decoded arrays are cached under `cache_dir` (default `$FER_SEARCH_CACHE`, else
    `~/.cache/fer-search`), keyed by the source's path, sizes and mtimes.
    """
    source = _resolve_source(Path(path))
    cache_file = _cache_path(source, cache_dir)
    cached = _read_cache(cache_file, source)
    if cached is not None:
        return cached
    splits = _read_csv(source) if source.is_file() else _read_image_folder(source)
    _write_cache(cache_file, splits)
    return splits


def _resolve_source(path: Path) -> Path:
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_file():
        if path.suffix.lower() != ".csv":
            raise DataError(f"{path}: unknown data file; expected a FER2013 .csv or an image folder")
        return path
    if (path / "train").is_dir() or (path / "test").is_dir():
        for needed in ("train", "test"):
            if not (path / needed).is_dir():
                raise DataError(f"{path}: image-folder layout needs train/ and test/; {needed}/ is missing")
        return path
    for name in CSV_NAMES:
        if (path / name).is_file():
            return path / name
    if not any(path.iterdir()):
        raise DataError(f"{path}: empty folder; expected train/ and test/ image folders or fer2013.csv")
    raise DataError(f"{path}: unknown layout; expected train/ and test/ image folders, "
                    f"fer2013.csv or icml_face_data.csv")


# --- image-folder layout --------------------------------------------------------------

def _read_image_folder(root: Path) -> Splits:
    files: dict[str, list[tuple[Path, int]]] = {"train": [], "val": [], "test": [], "unsplit": []}
    for folder in ("train", "test"):
        for image_path, label in _labelled_images(root / folder):
            files[_split_of(image_path.name, folder)].append((image_path, label))
    arrays = {split: _decode_all(items) for split, items in files.items()}
    if len(arrays["unsplit"][1]):
        val_idx, test_idx = split_in_halves(arrays["unsplit"][1], SPLIT_SEED)
        for split, idx in (("val", val_idx), ("test", test_idx)):
            x, y = arrays[split]
            ux, uy = arrays["unsplit"]
            arrays[split] = (np.concatenate([x, ux[idx]]), np.concatenate([y, uy[idx]]))
    return Splits(*arrays["train"], *arrays["val"], *arrays["test"], source=str(root), synthetic=False)


def _labelled_images(folder: Path) -> list[tuple[Path, int]]:
    items = []
    for entry in _visible_entries(folder):
        if not entry.is_dir():
            raise DataError(f"{entry}: file outside an emotion folder; expected {folder.name}/<emotion>/*.jpg")
        label = _label_of_folder(entry)
        items += [(image_path, label) for image_path in _images_in(entry)]
    if not items:
        raise DataError(f"{folder}: no images found (expected {folder.name}/<emotion>/*.jpg or *.png)")
    return items


def _visible_entries(folder: Path) -> list[Path]:
    """Sorted entries, without hidden ones (`.DS_Store`, `.ipynb_checkpoints`) that tools leave behind."""
    return sorted(entry for entry in folder.iterdir() if not entry.name.startswith("."))


def _images_in(class_dir: Path) -> list[Path]:
    """Every file of an emotion folder must be an image: anything else would silently go missing."""
    entries = _visible_entries(class_dir)
    for entry in entries:
        if entry.suffix.lower() not in IMAGE_SUFFIXES:
            kind = "a folder" if entry.is_dir() else "not an image file"
            raise DataError(f"{entry}: {kind} in an emotion folder; expected only .jpg, .jpeg or .png images")
    return entries


def _label_of_folder(class_dir: Path) -> int:
    name = class_dir.name.lower()
    if name in EMOTIONS:
        return EMOTIONS.index(name)
    if name.isascii() and name.isdigit() and int(name) < len(EMOTIONS):
        return int(name)
    raise DataError(f"{class_dir}: unknown emotion folder; expected one of {', '.join(EMOTIONS)} or 0-6")


def _split_of(file_name: str, folder: str) -> str:
    for usage, split in USAGE_TO_SPLIT.items():
        if file_name.startswith(usage + "_"):
            return split
    return "train" if folder == "train" else "unsplit"


def _decode_all(items: list[tuple[Path, int]]) -> tuple[np.ndarray, np.ndarray]:
    images = np.empty((len(items), IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    labels = np.array([label for _, label in items], dtype=np.int64)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # PIL releases the GIL
        for i, pixels in enumerate(pool.map(_decode_image, [p for p, _ in items])):
            images[i] = pixels
    return images, labels


def _decode_image(path: Path) -> np.ndarray:
    """Greyscale pixels of one 48x48 image; anything else is rejected, never resized into shape."""
    try:
        with Image.open(path, formats=IMAGE_FORMATS) as image:
            width, height = image.size
            if (width, height) == (IMAGE_SIZE, IMAGE_SIZE):
                return np.asarray(image.convert("L"), dtype=np.uint8)
    except UnidentifiedImageError:
        raise DataError(f"{path}: not a JPEG or PNG image") from None
    except Exception as exc:  # corrupt files surface as OSError, SyntaxError, zlib.error, struct.error, ...
        raise DataError(f"{path}: unreadable or truncated image ({_reason(exc)})") from None
    raise DataError(f"{path}: image is {width}x{height} pixels; FER2013 images are {IMAGE_SIZE}x{IMAGE_SIZE}")


# --- CSV forms ------------------------------------------------------------------------

def _read_csv(path: Path) -> Splits:
    parsed: dict[str, tuple[list, list]] = {"train": ([], []), "val": ([], []), "test": ([], [])}
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:  # -sig: spreadsheets write a BOM
            records = _numbered_records(path, stream)
            header_line, header = next(records, (1, None))
            columns = _csv_columns(path, header_line, header)
            for line, row in records:
                if not row:
                    continue  # blank line
                split, pixels, label = _parse_row(path, line, row, columns)
                parsed[split][0].append(pixels)
                parsed[split][1].append(label)
    except UnicodeDecodeError:
        raise DataError(f"{path}: line {_first_undecodable_line(path)}: not UTF-8 text") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({_reason(exc)})") from None
    if not any(labels for _, labels in parsed.values()):
        raise DataError(f"{path}: no data rows")
    arrays = []
    for split, (images, labels) in parsed.items():
        if not labels:
            raise DataError(f"{path}: no rows with Usage {_usage_of(split)}")
        arrays += [np.stack(images).reshape(-1, IMAGE_SIZE, IMAGE_SIZE), np.array(labels, dtype=np.int64)]
    return Splits(*arrays, source=str(path), synthetic=False)


def _numbered_records(path: Path, stream: TextIO) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on (a quoted field may span lines; blank lines count)."""
    rows = csv.reader(stream)
    while True:
        line = rows.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"{path}: line {rows.line_num}: malformed CSV ({exc})") from None
        yield line, row


def _first_undecodable_line(path: Path) -> int:
    """The line of the first bytes that are not UTF-8 (the text reader decodes ahead, so it cannot say)."""
    with open(path, "rb") as stream:
        return next((number for number, raw in enumerate(stream, start=1) if not _is_utf8(raw)), 1)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _csv_columns(path: Path, line: int, header: list[str] | None) -> dict[str, int]:
    needed = ("emotion", "pixels", "Usage")
    if header is None:
        raise DataError(f"{path}: empty file; expected a CSV header emotion,pixels,Usage and one row per image")
    names = [name.strip() for name in header]
    if sorted(names) != sorted(needed):
        shown = _quoted(",".join(names)) if any(names) else "empty"
        raise DataError(f"{path}: line {line}: CSV header is {shown}; expected the columns emotion, pixels, Usage")
    return {name: names.index(name) for name in needed}


def _parse_row(path: Path, line: int, row: list[str], columns: dict[str, int]) -> tuple[str, np.ndarray, int]:
    where = f"{path}: line {line}"
    if len(row) != len(columns):
        raise DataError(f"{where}: {len(row)} fields, expected {len(columns)}")
    usage = row[columns["Usage"]].strip()
    if usage not in USAGE_TO_SPLIT:
        raise DataError(f"{where}: Usage {_quoted(usage)} is not Training, PublicTest or PrivateTest")
    label = _parse_emotion(where, row[columns["emotion"]])
    return USAGE_TO_SPLIT[usage], _parse_pixels(where, row[columns["pixels"]]), label


def _parse_emotion(where: str, text: str) -> int:
    text = text.strip()
    if not _is_decimal(text):
        raise DataError(f"{where}: emotion {_quoted(text)} is not an integer 0-6")
    if len(text.lstrip("0")) > 1 or int(text) >= len(EMOTIONS):
        raise DataError(f"{where}: emotion {_quoted(text)} is out of range 0-6")
    return int(text)


def _parse_pixels(where: str, text: str) -> np.ndarray:
    """2,304 whitespace-separated decimal integers 0-255, row by row."""
    values = text.split()
    if len(values) != PIXELS:
        raise DataError(f"{where}: {len(values)} pixels, expected {PIXELS}")
    if not _is_decimal("".join(values)):  # one C-speed test for the whole row, then find the culprit
        culprit = next(value for value in values if not _is_decimal(value))
        raise DataError(f"{where}: pixel {_quoted(culprit)} is not an integer 0-255")
    try:
        pixels = np.array(values, dtype=np.int64)
    except (OverflowError, ValueError):  # digits only, so a value past int64 (or past int()'s digit limit)
        pixels = None
    if pixels is None or pixels.max() > 255:
        culprit = next(value for value in values if len(value.lstrip("0")) > 3 or int(value) > 255)
        raise DataError(f"{where}: pixel value {_quoted(culprit)} is out of range 0-255")
    return pixels.astype(np.uint8)


def _is_decimal(text: str) -> bool:
    """ASCII digits only: `int()` would also take '+3', '1_0', ' 3' and other scripts' digits."""
    return text.isascii() and text.isdigit()


def _quoted(text: str, limit: int = 40) -> str:
    """A value from the file, quoted and cut short so the message stays one readable line."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _reason(exc: Exception) -> str:
    """What went wrong, without the path an OSError repeats."""
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _usage_of(split: str) -> str:
    return next(usage for usage, s in USAGE_TO_SPLIT.items() if s == split)


# --- decode cache ---------------------------------------------------------------------

def _cache_path(source: Path, cache_dir: str | os.PathLike | None) -> Path:
    folder = Path(cache_dir or os.environ.get("FER_SEARCH_CACHE") or Path.home() / ".cache" / "fer-search")
    return folder / f"fer2013-{_fingerprint(source)}.npz"


def _fingerprint(source: Path) -> str:
    """Hash of the absolute path with the size and mtime of the CSV file, or of every folder.

    A folder's mtime changes whenever a file in it is added, removed or renamed, so
    stat-ing the 16 folders of the image layout stands for its 35,887 files.
    """
    digest = hashlib.sha256(str(source.resolve()).encode())
    pending, entries = [source], []
    while pending:  # the folder tree, without stat-ing every image
        entry = pending.pop()
        entries.append(entry)
        if entry.is_dir():
            pending += [Path(e.path) for e in os.scandir(entry) if e.is_dir()]
    for entry in sorted(entries):
        stat = entry.stat()
        size = stat.st_size if entry.is_file() else sum(1 for _ in os.scandir(entry))
        digest.update(f"{entry.relative_to(source.parent)}|{size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def _read_cache(cache_file: Path, source: Path) -> Splits | None:
    try:
        with np.load(cache_file) as arrays:
            return Splits(**{k: arrays[k] for k in arrays.files}, source=str(source), synthetic=False)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no cache yet, or an unreadable one: decode again


def _write_cache(cache_file: Path, splits: Splits) -> None:
    """Write the cache atomically; a read-only or full disk only costs the next load time."""
    arrays = {k: getattr(splits, k) for k in ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")}
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_file.parent, suffix=".npz", delete=False) as tmp:
            np.savez(tmp, **arrays)
        os.replace(tmp.name, cache_file)
    except OSError:
        pass
