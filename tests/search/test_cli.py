"""Bad input to `python -m search.run` gets one clear line and exit status 2, and changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from search.run import main

REPO_ROOT = Path(__file__).resolve().parents[2]


def _rejected(argv: list[str], capsys) -> str:
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("argv, fragment", [
    (["--space", "nope"], "unknown space 'nope'"),
    (["--space", "smoke", "--max-epochs", "-1"], "--max-epochs is -1"),
    (["--space", "smoke", "--samples", "0"], "--samples is 0"),
    (["--space", "smoke", "--max-concurrent", "0"], "--max-concurrent is 0"),
    (["--space", "smoke", "--grace-epochs", "5", "--max-epochs", "2"], "--grace-epochs is 5"),
    (["--space", "smoke", "--reduction-factor", "1"], "--reduction-factor is 1"),
    (["--space", "lr", "--samples", "50"], "the grid of space 'lr' has 6 points"),
    (["--space", "smoke", "--samples", "many"], "invalid int value: 'many'"),
    (["--space", "smoke", "--precision", "fp8"], "invalid choice: 'fp8'"),
])
def test_invalid_flags_get_one_line_and_exit_status_2(argv, fragment, capsys, tmp_path):
    err = _rejected(argv + ["--output", str(tmp_path / "out")], capsys)
    assert fragment in err
    assert not (tmp_path / "out").exists()


def test_missing_data_path_is_one_line_naming_it(capsys, tmp_path):
    err = _rejected(["--space", "smoke", "--data", str(tmp_path / "missing"), "--output", str(tmp_path)], capsys)
    assert "missing: no such file or folder" in err


def test_existing_experiment_is_never_overwritten(capsys, tmp_path):
    existing = tmp_path / "results" / "mine"
    existing.mkdir(parents=True)
    (existing / "trials.parquet").write_bytes(b"precious")
    err = _rejected(["--space", "smoke", "--output", str(tmp_path / "results"), "--name", "mine"], capsys)
    assert "already exists" in err
    assert (existing / "trials.parquet").read_bytes() == b"precious"


def test_list_spaces_prints_every_space_with_its_dimensions(capsys):
    assert main(["--list-spaces"]) == 0
    out = capsys.readouterr().out
    for name in ("full", "seed", "lr", "batch", "activation", "standardize", "arch", "lr_batch", "lr_scale", "smoke"):
        assert f"\n{name}: " in "\n" + out
    assert "adamw: log-uniform [0.0001, 0.01]" in out and "{1, 8, 32, 256, 1024, 2048, 8192}" in out


def test_unknown_space_from_the_shell_exits_2_without_a_traceback(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "search.run", "--space", "nope"], cwd=tmp_path,
                               env=os.environ | {"PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        "search.run: error: unknown space 'nope'; known spaces: full, seed, lr, batch, activation, "
        "standardize, arch, lr_batch, lr_scale, smoke, or a space file PATH.yaml / PATH.json (see --list-spaces)"]


def test_help_states_each_default_once_and_never_none(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: None)" not in text
    for flag, default in (("--reduction-factor", "3"), ("--cpus-per-trial", "1"), ("--output", "results"),
                          ("--objective", "accuracy"), ("--scheduler", "halving")):
        entry = text.split(f" {flag} ", 1)[1].split(" --", 1)[0]
        assert entry.count("(default:") == 1 and f"(default: {default})" in entry, entry


@pytest.mark.parametrize("argv", [["--help"], ["--samples", "many"], ["--list-spaces"]])
def test_help_bad_flags_and_the_space_list_answer_without_importing_ray_or_torch(argv, tmp_path):
    probe = ("import sys\nfrom search.run import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print('LOADED', sorted(name for name in ('ray', 'torch') if name in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", probe, *argv], cwd=tmp_path, capture_output=True, text=True,
                               env=os.environ | {"PYTHONPATH": str(REPO_ROOT)}, timeout=120)
    assert "LOADED []" in completed.stdout, completed.stdout[-500:] + completed.stderr[-500:]
