"""The README's tables of the Parquet files say what the search writes: every column, in order,
with its type (checked against `experiment.schema`, the one place the writer and the report share)."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from experiment.schema import EPOCHS_SCHEMA, TRIALS_SCHEMA

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
TYPES = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(),
         "list<string>": pa.list_(pa.string())}


def _trials_table() -> list[tuple[str, str | None]]:
    """(column, type or None) from the README's `trials.parquet` table, in order."""
    table = README.split("`trials.parquet`:", 1)[1].split("\n\n", 2)[1]
    columns = []
    for row in table.splitlines()[2:]:
        names_cell, types_cell = (cell.strip() for cell in row.strip("|").split("|")[:2])
        names = re.findall(r"`([^`]+)`", names_cell)
        types = [t.strip() for t in types_cell.split(",")] if types_cell else [None] * len(names)
        types = types * len(names) if len(types) == 1 else types
        columns += list(zip(names, types))
    return columns


def test_the_readme_lists_every_trials_column_in_order_with_its_type():
    listed = _trials_table()
    assert [name for name, _ in listed] == TRIALS_SCHEMA.names
    for name, kind in listed:
        if kind is not None:
            assert TYPES[kind] == TRIALS_SCHEMA.field(name).type, name


def test_the_readme_lists_every_epochs_column_in_order():
    sentence = README.split("`epochs.parquet`:", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"`([a-z_]+)`", sentence) == EPOCHS_SCHEMA.names
