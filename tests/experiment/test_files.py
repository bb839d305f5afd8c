"""An experiment's files are written whole or not at all, and writing them prints nothing."""

from __future__ import annotations

import logging

import numpy as np

from experiment.files import EXPORT_FILE, write_atomically
from trainables.inference import export_model, load_exported
from trainables.models import build_model
from trainables.standardize import fit_standardizer


def test_an_atomic_write_keeps_the_suffix_and_leaves_no_temporary_file(tmp_path):
    seen = []
    write_atomically(tmp_path / "summary.json", lambda tmp: (seen.append(tmp.name), tmp.write_text("{}")))
    assert seen == ["summary.tmp.json"] and [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_exporting_a_model_through_an_atomic_write_prints_no_archive_warning(tmp_path, capfd, caplog):
    model = build_model("arch1", "relu", False, 0.0)
    standardizer = fit_standardizer("pixel", np.random.default_rng(0).integers(0, 256, (8, 48, 48), dtype=np.uint8))
    with caplog.at_level(logging.WARNING):  # torch logs it; its handler may print it, or pytest may catch it
        write_atomically(tmp_path / EXPORT_FILE, lambda tmp: export_model(model, standardizer, tmp))
    captured = capfd.readouterr()
    assert "Expect archive file" not in captured.err + captured.out + caplog.text
    assert load_exported(tmp_path / EXPORT_FILE) is not None
