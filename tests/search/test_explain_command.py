"""`python -m search.explain` end to end: a real run on the built-in synthetic faces with a planted
effect the report must show and a null one it must not call; and every bad input one line and exit
status 2 with every file on disk as it was."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from experiment.files import BEST_DIR, EPOCHS_FILE, EXPLAIN_DIR, PLAN_FILE, SUMMARY_FILE, TRIALS_FILE
from experiment.schema import EPOCHS_SCHEMA, TRIALS_SCHEMA
from reports.evidence.explained import arm_effects, explain_runs
from reports.experiment import load_experiment
from search.options import SearchOptions
from search.record import RecordedSearch, write_record
from spaces.files import space_from_spec
from spaces import SPACES
from trainables.hyperparameters import DEFAULTS

REPO_ROOT = Path(__file__).resolve().parents[2]
SPACE = {"name": "planted", "dimensions": {
    "lr": {"log_uniform": [0.001, 1.0]}, "weight_decay": {"choice": [0.0, 1.0e-5]}},
    "max_epochs": 3, "train_subset": 3000}
BEST = DEFAULTS | {"arch": "arch1", "lr": 0.3, "batch_size": 32, "activation": "leaky_relu", "standardize": "pixel",
                   "weight_decay": 1e-5}
"""lr 0.3 learns the synthetic faces in 3 epochs; the study's lr 0.01 (the ablation) does not."""


def finished_search(folder: Path, status: str = "finished", best: bool = True) -> Path:
    """A search of the planted space as search.run leaves it: record, Parquet files, summary, best/."""
    space = space_from_spec(SPACE, SPACES, source="planted.yaml")
    options = SearchOptions(space=space, experiment_dir=folder, storage_url=f"sqlite:///{folder}/optuna.db",
                            study_name=folder.name, samples=2, max_epochs=3, grace_epochs=1, reduction_factor=3,
                            cpus_per_trial=1.0, gpus_per_trial=0.0, max_concurrent=2, seed=0, time_budget_s=None,
                            precision="fp32")
    folder.mkdir(parents=True)
    write_record(RecordedSearch(options, data=None, train_subset=3000, split_sizes=(3000, 1000, 1000)))
    rows = [BEST | {"trial_id": "best", "state": "pruned", "epochs": 2, "max_epochs": 3, "best_val_acc": 0.40},
            BEST | {"trial_id": "other", "lr": 0.03, "weight_decay": 0.0, "state": "pruned", "epochs": 2,
                    "max_epochs": 3, "best_val_acc": 0.30}]
    epochs = [{"trial_id": row["trial_id"], "epoch": epoch, "val_acc": row["best_val_acc"], "epoch_time_s": 1.0,
               "eval_time_s": 0.0, "train_time_s": float(epoch), "diverged": False} for row in rows for epoch in (1, 2)]
    pq.write_table(pa.Table.from_pylist(rows, schema=TRIALS_SCHEMA), folder / TRIALS_FILE)
    pq.write_table(pa.Table.from_pylist(epochs, schema=EPOCHS_SCHEMA), folder / EPOCHS_FILE)
    (folder / SUMMARY_FILE).write_text(json.dumps({"name": folder.name, "status": status, "data": {"synthetic": True},
                                                   "best": {"trial_id": "best", "config": BEST, "val_acc": 0.4}}))
    if best:
        (folder / BEST_DIR).mkdir()
        (folder / BEST_DIR / "config.json").write_text(json.dumps(BEST))
    return folder


def explain(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search.explain", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=900)


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_real_explain_run_shows_the_planted_effect_and_does_not_call_the_null_one(tmp_path):
    folder = finished_search(tmp_path / "planted")
    before = snapshot(folder)
    # one epoch costs 1 s by the search's record: the budget keeps the best and its two ablations (4 seeds each,
    # 12 runs × 3 s over 2 slots = 18 s) and drops the learning-rate sweep
    run = explain(str(folder), "--seeds", "4", "--budget-s", "20")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "dropped to fit --budget-s: lr" in run.stdout
    explained = load_experiment(folder)
    effects = arm_effects(explain_runs(explained)).set_index("changed")
    assert effects.loc["lr", "decided"] and effects.loc["lr", "high"] < -0.05  # lr 0.01 cannot learn in 3 epochs
    assert not effects.loc["weight_decay", "decided"]
    assert set(effects.index) == {"lr", "weight_decay"}
    assert {p: h for p, h in snapshot(folder).items() if not p.startswith(EXPLAIN_DIR) and p != "report.html"} \
        == before  # the search's own files as they were; the report rebuilt beside them
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert "learning rate 0.3 over 0.01 is worth" in text and "weight decay; more seeds would decide" in text
    assert (folder / EXPLAIN_DIR / PLAN_FILE).is_file() and (folder / EXPLAIN_DIR / "optuna.db").is_file()


@pytest.mark.parametrize("case, message", [
    ("missing", "is not a folder"),
    ("no record", "holds no experiment (search.json is missing); nothing to explain"),
    ("unfinished", "has not finished (its summary says interrupted); finish it first"),
    ("no best", "has no best model (best/ is missing)"),
    ("explained", "already holds an explain experiment; continue it with --resume"),
    ("one seed", "--seeds is 1, but must be at least 2"),
    ("tiny budget", "is too small for even the best's own 3 runs"),
    ("resume nothing", "has no explain experiment to resume"),
])
def test_bad_input_is_one_line_and_status_2_and_changes_nothing(tmp_path, case, message):
    folder = tmp_path / "search"
    args = [str(folder)]
    if case == "no record":
        folder.mkdir()
        (folder / "trials.parquet").write_bytes(b"precious")
    elif case != "missing":
        finished_search(folder, status="interrupted" if case == "unfinished" else "finished", best=case != "no best")
    if case == "explained":
        (folder / EXPLAIN_DIR).mkdir()
        (folder / EXPLAIN_DIR / "note").write_text("earlier work")
    args += {"one seed": ["--seeds", "1"], "tiny budget": ["--budget-s", "1"], "resume nothing": ["--resume"]}.get(
        case, [])
    before = snapshot(tmp_path)
    run = explain(*args)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("search.explain: error: ") and message in lines[0], lines
    assert snapshot(tmp_path) == before
