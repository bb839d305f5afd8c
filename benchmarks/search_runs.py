"""Shared by the search benchmarks: run `python -m search.run` as a user would, and read what it left.

Each run is a fresh process (its own local Ray cluster), timed from start to exit. The
figures come from the files the search wrote, never from its printed output.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SearchRun:
    """One finished search: its folder, wall time and tables."""

    arm: str
    seed: int
    folder: Path
    wall_s: float
    started_at: float  # Unix time the command started
    trials: pd.DataFrame
    epochs: pd.DataFrame

    @property
    def trained(self) -> pd.DataFrame:
        """Trials that did their own training (replays of a duplicate cost nothing)."""
        return self.trials[self.trials["reused_from"].isna()] if "reused_from" in self.trials else self.trials

    @property
    def best_val_acc(self) -> float:
        return float(self.trials["best_val_acc"].max())

    @property
    def epochs_trained(self) -> int:
        return int(self.trained["epochs"].sum())

    @property
    def train_seconds(self) -> float:
        """Σ training seconds of the trials that trained (× CPUs per trial gives CPU-seconds)."""
        return float(self.trained["train_time_s"].fillna(0).sum())

    def compute_to_reach(self, target: float) -> float:
        """Training seconds spent, in the order epochs were reported, until some epoch reached `target`.

        Infinite when the search never reached it.
        """
        trained_ids = set(self.trained["trial_id"])
        events = self.epochs.sort_values(["reported_at", "train_time_s"], kind="stable")
        spent = 0.0
        for row in events.itertuples():
            if row.trial_id in trained_ids and pd.notna(row.epoch_time_s):
                spent += float(row.epoch_time_s)
            if pd.notna(row.val_acc) and row.val_acc >= target - 1e-12:
                return spent
        return float("inf")


def run_search(arm: str, seed: int, flags: list[str], output: Path, env: dict[str, str] | None = None,
               timeout_s: float = 7200) -> SearchRun:
    """`python -m search.run FLAGS --seed SEED --name ARM-sSEED --output OUTPUT`, timed."""
    name = f"{arm}-s{seed}"
    command = [sys.executable, "-m", "search.run", *flags, "--seed", str(seed), "--output", str(output),
               "--name", name]
    started, started_at = time.perf_counter(), time.time()
    completed = subprocess.run(command, cwd=REPO_ROOT, env=env or os.environ.copy(), capture_output=True,
                               text=True, timeout=timeout_s)
    wall_s = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({completed.returncode}): {completed.stderr[-2000:]}")
    folder = output / name
    return SearchRun(arm=arm, seed=seed, folder=folder, wall_s=wall_s, started_at=started_at,
                     trials=pd.read_parquet(folder / "trials.parquet"),
                     epochs=pd.read_parquet(folder / "epochs.parquet"))


def interleaved(arms: list[str], seeds: list[int]) -> list[tuple[str, int]]:
    """Every (arm, seed), seed by seed, the arms' order rotated each round so none always runs first."""
    order = []
    for round_index, seed in enumerate(seeds):
        shift = round_index % len(arms)
        order += [(arm, seed) for arm in arms[shift:] + arms[:shift]]
    return order


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine_line() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"
    return (f"{dt.date.today().isoformat()}, {cpu}, {os.cpu_count()} cores{gpu}, torch {torch.__version__}, "
            f"python {platform.python_version()}")
