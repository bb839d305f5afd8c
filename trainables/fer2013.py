"""Read real FER2013 from the forms users have it in, with a decode cache.

Forms: the Kaggle image-folder layout (`train/<emotion>/*.jpg`, `test/<emotion>/*.jpg`),
the original `fer2013.csv` (`emotion,pixels,Usage`) and `icml_face_data.csv`
(`emotion, Usage, pixels`). Usage/file prefixes give the official splits:
Training → train, PublicTest → validation, PrivateTest → test.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from trainables.dataset import EMOTIONS, IMAGE_SIZE, PIXELS, DataError, Splits, split_in_halves

CSV_NAMES = ("fer2013.csv", "icml_face_data.csv")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
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
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        label = _label_of_folder(class_dir)
        items += [(f, label) for f in sorted(class_dir.iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES]
    if not items:
        raise DataError(f"{folder}: no images found (expected {folder.name}/<emotion>/*.jpg or *.png)")
    return items


def _label_of_folder(class_dir: Path) -> int:
    name = class_dir.name.lower()
    if name in EMOTIONS:
        return EMOTIONS.index(name)
    if name.isdigit() and int(name) < len(EMOTIONS):
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
    try:
        with Image.open(path) as image:
            image = image.convert("L")
            if image.size != (IMAGE_SIZE, IMAGE_SIZE):
                image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)
            return np.asarray(image, dtype=np.uint8)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable image ({exc})") from None


# --- CSV forms ------------------------------------------------------------------------

def _read_csv(path: Path) -> Splits:
    with open(path, newline="") as stream:
        rows = csv.reader(stream)
        header = [name.strip() for name in next(rows, [])]
        columns = _csv_columns(path, header)
        parsed = {"train": ([], []), "val": ([], []), "test": ([], [])}
        for line_number, row in enumerate(rows, start=2):
            if not row:
                continue
            split, pixels, label = _parse_row(path, line_number, row, columns)
            parsed[split][0].append(pixels)
            parsed[split][1].append(label)
    if not any(labels for _, labels in parsed.values()):
        raise DataError(f"{path}: no data rows")
    arrays = []
    for split, (images, labels) in parsed.items():
        if not labels:
            raise DataError(f"{path}: no rows with Usage {_usage_of(split)}")
        arrays += [np.stack(images).reshape(-1, IMAGE_SIZE, IMAGE_SIZE), np.array(labels, dtype=np.int64)]
    return Splits(*arrays, source=str(path), synthetic=False)


def _csv_columns(path: Path, header: list[str]) -> dict[str, int]:
    needed = ("emotion", "pixels", "Usage")
    if sorted(header) != sorted(needed):
        raise DataError(f"{path}: CSV header is {','.join(header) or '(empty)'}; "
                        f"expected the columns emotion, pixels, Usage")
    return {name: header.index(name) for name in needed}


def _parse_row(path: Path, line: int, row: list[str], columns: dict[str, int]) -> tuple[str, np.ndarray, int]:
    if len(row) != len(columns):
        raise DataError(f"{path}: line {line}: {len(row)} fields, expected {len(columns)}")
    usage = row[columns["Usage"]].strip()
    if usage not in USAGE_TO_SPLIT:
        raise DataError(f"{path}: line {line}: Usage '{usage}' is not Training, PublicTest or PrivateTest")
    try:
        label = int(row[columns["emotion"]])
        pixels = np.array(row[columns["pixels"]].split(), dtype=np.int64)
    except ValueError as exc:
        raise DataError(f"{path}: line {line}: not an integer ({exc})") from None
    if not 0 <= label < len(EMOTIONS):
        raise DataError(f"{path}: line {line}: emotion {label} is out of range 0-6")
    if pixels.size != PIXELS:
        raise DataError(f"{path}: line {line}: {pixels.size} pixels, expected {PIXELS}")
    if pixels.min() < 0 or pixels.max() > 255:
        raise DataError(f"{path}: line {line}: pixel values must be in 0-255")
    return USAGE_TO_SPLIT[usage], pixels.astype(np.uint8), label


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
