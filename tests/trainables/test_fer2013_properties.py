"""Properties of the FER2013 CSV reader on generated content: any file loads as exactly its rows or is
rejected with a one-line DataError naming the file, and every valid spelling of the format loads."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from trainables import DataError, load_fer2013

COLUMNS = ("emotion", "pixels", "Usage")
SPLIT_OF = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
PIXELS = 48 * 48

odd_text = st.text(st.characters(codec="utf-8"), max_size=8)  # commas, quotes, line breaks, NUL, any script
emotions = st.one_of(st.sampled_from("0123456"),
                     st.sampled_from(["7", "10", "-1", "+3", "03", " 4 ", "1.0", "1_0", "\u0663", "", "happy"]),
                     odd_text)
usages = st.one_of(st.sampled_from(list(SPLIT_OF)),
                   st.sampled_from([" Training ", "training", "Train", "PublicTest\n", ""]), odd_text)
tokens = st.one_of(st.integers(-3, 300).map(str),
                   st.sampled_from(["+3", "1_0", "\u0663", "1.5", "0x1", "007", "9" * 25, ""]), odd_text)

headers = st.one_of(
    st.permutations(COLUMNS).map(list),
    st.permutations(COLUMNS).map(lambda names: [f" {name} " for name in names]),
    st.sampled_from([["label", "pixels", "Usage"], ["emotion", "pixels"], ["emotion", "pixels", "usage"],
                     ["emotion", "pixels", "Usage", "notes"], ["emotion", "emotion", "Usage"], []]),
    st.lists(odd_text, max_size=4),
)

all_usages = st.lists(st.sampled_from(list(SPLIT_OF)), max_size=3).flatmap(
    lambda more: st.permutations(list(SPLIT_OF) + more))  # each usage at least once


def _pixels(seed: int) -> list[str]:
    return [str(v) for v in np.random.default_rng(seed).integers(0, 256, PIXELS)]


def _corrupt_pixels(draw: st.DrawFn, values: list[str]) -> list[str]:
    """One pixel too few or too many, or one odd token."""
    values, where = list(values), draw(st.integers(0, PIXELS - 1))
    change = draw(st.sampled_from(["drop", "add", "replace"]))
    if change == "drop":
        del values[where]
    elif change == "add":
        values.insert(where, draw(tokens))
    else:
        values[where] = draw(tokens)
    return values


FAULTS = ("emotion", "usage", "pixels", "separator", "field count", "naive line", "header", "stray line",
          "bytes", "truncated")


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A valid FER2013 CSV with one or two faults, from an odd character to a broken layout."""
    header = list(COLUMNS)
    rows = [{"emotion": str(draw(st.integers(0, 6))), "pixels": _pixels(draw(st.integers(0, 2**32 - 1))),
             "separator": " ", "Usage": usage, "extra": [], "style": "minimal"} for usage in draw(all_usages)]
    stray_lines, at_byte = [], None
    for fault in draw(st.lists(st.sampled_from(FAULTS), min_size=1, max_size=2)):
        row = rows[draw(st.integers(0, len(rows) - 1))]
        if fault == "emotion":
            row["emotion"] = draw(emotions)
        elif fault == "usage":
            row["Usage"] = draw(usages)
        elif fault == "pixels":
            row["pixels"] = _corrupt_pixels(draw, row["pixels"])
        elif fault == "separator":
            row["separator"] = draw(st.sampled_from(["  ", "\t", " \u00a0", ",", ";", ""]))
        elif fault == "field count":
            row["extra"] = draw(st.sampled_from([[None], ["note"], [None, None]]))
        elif fault == "naive line":
            row["style"] = "naive"
        elif fault == "header":
            header = draw(headers)
        elif fault == "stray line":
            stray_lines.append((draw(st.integers(0, len(rows))), draw(odd_text)))
        else:
            at_byte = fault, draw(st.integers(0, 10**6))
    order = header if sorted(name.strip() for name in header) == sorted(COLUMNS) else list(COLUMNS)
    lines = [_render(draw, header, "minimal")] + [_render(draw, _fields(row, order), row["style"]) for row in rows]
    for position, text in stray_lines:
        lines.insert(1 + position, text)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    raw = (draw(st.sampled_from(["", "\ufeff"])) + newline.join(lines) + newline).encode()
    if at_byte is not None:
        kind, position = at_byte[0], at_byte[1] % (len(raw) + 1)
        inserted = draw(st.binary(min_size=1, max_size=3)) if kind == "bytes" else b""
        raw = raw[:position] + inserted + (raw[position:] if kind == "bytes" else b"")
    return raw


def _fields(row: dict, order: list[str]) -> list[str]:
    fields = {"emotion": row["emotion"], "pixels": row["separator"].join(row["pixels"]), "Usage": row["Usage"]}
    named = [fields[name.strip()] for name in order]
    for extra in row["extra"]:
        named = named[:-1] if extra is None else named + [extra]
    return named


def _render(draw: st.DrawFn, fields: list[str], style: str) -> str:
    """One CSV line: properly quoted (minimally or throughout), or naively joined, which may break the row."""
    if style == "naive":
        return ",".join(fields)
    stream = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    csv.writer(stream, quoting=quoting, lineterminator="").writerow(fields)
    return stream.getvalue()


def _reference(path: Path) -> dict[str, tuple[list[int], list[list[int]]]] | None:
    """The FER2013 CSV format, read independently of the loader: the rows a correct load must
    hold, or None when the file breaks the format and must be rejected.

    UTF-8 (a BOM allowed); a header naming emotion, pixels and Usage once each (spaces around a
    name allowed); then records of exactly three fields (blank lines skipped): Usage Training,
    PublicTest or PrivateTest; emotion ASCII digits 0-6; pixels 2,304 whitespace-separated ASCII
    digit strings 0-255 ("+3", "1_0" and other scripts' digits are not digits here, though
    `int()` takes them); every usage at least once.
    """
    digits = re.compile("[0-9]+")
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            header, *rows = list(csv.reader(stream))
    except (UnicodeDecodeError, csv.Error, ValueError):  # ValueError: no header at all
        return None
    names = [name.strip() for name in header]
    if sorted(names) != sorted(COLUMNS):
        return None
    column = {name: names.index(name) for name in COLUMNS}
    expected: dict[str, tuple[list[int], list[list[int]]]] = {split: ([], []) for split in SPLIT_OF.values()}
    for row in filter(None, rows):
        if len(row) != len(COLUMNS) or row[column["Usage"]].strip() not in SPLIT_OF:
            return None
        emotion, tokens = row[column["emotion"]].strip(), row[column["pixels"]].split()
        if not digits.fullmatch(emotion) or int(emotion) > 6 or len(tokens) != PIXELS:
            return None
        if not all(digits.fullmatch(token) and int(token) <= 255 for token in tokens):
            return None
        labels, images = expected[SPLIT_OF[row[column["Usage"]].strip()]]
        labels.append(int(emotion))
        images.append([int(token) for token in tokens])
    return expected if all(labels for labels, _ in expected.values()) else None


def _assert_matches(splits, expected: dict[str, tuple[list[int], list[list[int]]]]) -> None:
    for split, (labels, images) in expected.items():
        x, y = getattr(splits, f"{split}_x"), getattr(splits, f"{split}_y")
        assert x.dtype == np.uint8 and y.dtype == np.int64
        assert x.shape == (len(labels), 48, 48) and y.tolist() == labels
        assert all(0 <= label <= 6 for label in labels)
        assert all(len(pixels) == PIXELS and 0 <= min(pixels) and max(pixels) <= 255 for pixels in images)
        assert x.reshape(len(labels), -1).tolist() == images


@settings(max_examples=100, deadline=None)
@given(content=csv_files())
def test_a_valid_csv_loads_as_exactly_its_rows_and_an_invalid_one_is_rejected_with_one_line(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fer2013.csv"
        path.write_bytes(content)
        expected = _reference(path)
        try:
            splits = load_fer2013(path, cache_dir=Path(folder) / "cache")
        except DataError as error:
            message = str(error)
            assert expected is None, f"a valid file was rejected: {message}"
            assert message.startswith(f"{path}: ") and "\n" not in message and "\r" not in message
            assert not (Path(folder) / "cache").exists()  # a rejected load writes no cache
            assert path.read_bytes() == content
            return
        assert expected is not None, "a file that breaks the format was loaded"
        _assert_matches(splits, expected)


@st.composite
def valid_csv_files(draw: st.DrawFn) -> tuple[bytes, dict[str, tuple[list[int], list[list[int]]]]]:
    """Valid FER2013 CSV in any spelling the format allows, with the rows it holds."""
    header = draw(st.permutations(COLUMNS))
    padded = draw(st.booleans())
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    stream = io.StringIO()
    writer = csv.writer(stream, quoting=quoting, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow([f" {name}" if padded else name for name in header])
    expected: dict[str, tuple[list[int], list[list[int]]]] = {split: ([], []) for split in SPLIT_OF.values()}
    for usage in draw(all_usages):
        label = draw(st.integers(0, 6))
        pixels = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).integers(0, 256, PIXELS).tolist()
        fields = {
            "emotion": draw(st.sampled_from([f"{label}", f"0{label}", f" {label} "])),
            "pixels": draw(st.sampled_from([" ", "  ", "\t"])).join(map(str, pixels)),
            "Usage": draw(st.sampled_from([usage, f" {usage}", f"{usage} "])),
        }
        writer.writerow([fields[name] for name in header])
        if draw(st.integers(0, 3)) == 0:
            writer.writerow([])  # a blank line
        expected[SPLIT_OF[usage]][0].append(label)
        expected[SPLIT_OF[usage]][1].append(pixels)
    return (draw(st.sampled_from(["", "\ufeff"])) + stream.getvalue()).encode(), expected


@settings(max_examples=30, deadline=None)
@given(file=valid_csv_files())
def test_every_valid_spelling_of_the_csv_loads_and_matches_its_rows(file):
    content, expected = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fer2013.csv"
        path.write_bytes(content)
        _assert_matches(load_fer2013(path, cache_dir=Path(folder) / "cache"), expected)
