"""The plan of an explain experiment: its arms and runs, what each is expected to cost from the
search's own measured seconds per epoch, and what a budget leaves out.

The cost of a run is its configuration's seconds per epoch (training and validation) as the
search measured them — the median over the epochs after the first of the search's trials with
the same architecture and batch size, else the same architecture, else all — times the epochs
of a full run. The expected wall time is the runs' cost spread over the trial slots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from search.explain.design import ABLATION, BEST, Arm, Run, config_key, explain_design, runs_of, trimmed
from spaces.space import SearchSpace
from trainables.hyperparameters import BY_NAME, NAMES


@dataclass(frozen=True)
class Plan:
    """What an explain experiment will train.

    Attributes:
        arms: the arms kept, in the report's order; `dropped` those the budget left out.
        runs: one per distinct configuration and seed of the kept arms (the search's own run of
            the best among them, marked `own`, is not trained again).
        seconds: run index → expected seconds of training it (0 for the own run).
        slots: trials that run at once.
        seeds: the seeds every arm runs at.
    """

    arms: list[Arm]
    dropped: list[Arm]
    runs: list[Run]
    seconds: dict[int, float]
    slots: int
    seeds: list[int]

    @property
    def expected_wall_s(self) -> float:
        return sum(self.seconds.values()) / self.slots

    def to_train(self) -> list[Run]:
        return [run for run in self.runs if not run.own]

    def describe(self) -> str:
        """The plan as the command prints it before training."""
        lines = [f"Explain plan: {len(self.arms)} arms × {len(self.seeds)} seeds (seeds {', '.join(map(str, self.seeds))})"
                 f" = {len(self.runs)} runs, {len(self.to_train())} to train"
                 + (", the search's own run of the best reused" if len(self.to_train()) < len(self.runs) else "")
                 + f"; expected {_duration(self.expected_wall_s)} on {self.slots} trial slot"
                 + ("s" if self.slots != 1 else "")]
        by_kind: dict[str, list[str]] = {}
        for arm in self.arms:
            by_kind.setdefault(arm.kind, []).append(arm.name)
        lines += [f"  {kind:<12} {', '.join(names)}" for kind, names in by_kind.items()]
        if self.dropped:
            lines.append(f"  dropped to fit --budget-s: {', '.join(arm.name for arm in self.dropped)}")
        return "\n".join(lines)


def make_plan(best: dict[str, Any], space: SearchSpace, trials: pd.DataFrame, epochs: pd.DataFrame, *,
              seeds: list[int], own_seed: int | None, max_epochs: int, slots: int,
              budget_s: float | None) -> Plan:
    """The design around `best` for what the search varied, trimmed to `budget_s` of wall time."""
    arms = explain_design(best, space, varied(trials))
    per_epoch = seconds_per_epoch_table(trials, epochs)

    def run_seconds(run: Run) -> float:
        return 0.0 if run.own else expected_seconds_per_epoch(run.config, per_epoch) * max_epochs

    def wall(kept: list[Arm]) -> float:
        return sum(run_seconds(run) for run in runs_of(kept, seeds, own_seed)) / slots

    kept, dropped = trimmed(arms, wall, budget_s, promise(arms, trials))
    runs = runs_of(kept, seeds, own_seed)
    return Plan(kept, dropped, runs, {i: run_seconds(run) for i, run in enumerate(runs)}, slots, seeds)


def varied(trials: pd.DataFrame) -> list[str]:
    """The hyperparameters with more than one value among the search's trials."""
    return [name for name in NAMES if name in trials and trials[name].dropna().nunique() > 1]


def seconds_per_epoch_table(trials: pd.DataFrame, epochs: pd.DataFrame) -> pd.DataFrame:
    """Per trial that measured an epoch after its first: arch, batch size and its median seconds
    per epoch (training and validation)."""
    later = epochs[(epochs["epoch"] > 1) & (pd.to_numeric(epochs["epoch_time_s"], errors="coerce") > 0)].copy()
    later["seconds"] = later["epoch_time_s"].astype(float) + later["eval_time_s"].fillna(0).astype(float)
    medians = later.groupby("trial_id")["seconds"].median().rename("seconds")
    own = trials[trials["reused_from"].isna()] if "reused_from" in trials else trials
    return own[["trial_id", "arch", "batch_size"]].merge(medians, left_on="trial_id", right_index=True)


def expected_seconds_per_epoch(config: dict[str, Any], table: pd.DataFrame) -> float:
    """The search's median seconds per epoch for the same architecture and batch size, else the
    same architecture, else any (NaN-free: 1 s when the search measured nothing)."""
    for matches in ((table["arch"] == config["arch"]) & (table["batch_size"] == config["batch_size"]),
                    table["arch"] == config["arch"], pd.Series(True, index=table.index)):
        if matches.any():
            return float(table.loc[matches, "seconds"].median())
    return 1.0


def promise(arms: list[Arm], trials: pd.DataFrame) -> dict[str, float]:
    """For each ablation: the median best validation accuracy of the search's trials that share the
    best's value of the hyperparameter minus that of the trials at the reference value (numeric
    values compared by the half of the tried range they fall in). Missing where either side has
    no trial."""
    measured = trials[~trials["state"].isin(("diverged", "failed"))].dropna(subset=["best_val_acc"])
    found = {}
    for arm in (a for a in arms if a.kind == ABLATION):
        values = measured[arm.changed]
        if BY_NAME[arm.changed].numeric:
            scaled = values.map(BY_NAME[arm.changed].scaled)
            middle = (scaled.min() + scaled.max()) / 2
            side = scaled >= middle
            best_side = BY_NAME[arm.changed].scaled(arm.base) >= middle
            ours, theirs = measured[side == best_side], measured[side != best_side]
        else:
            ours, theirs = measured[values == arm.base], measured[values == arm.value]
        if len(ours) and len(theirs):
            found[arm.name] = float(ours["best_val_acc"].median() - theirs["best_val_acc"].median())
    return found


BEST_TRIAL = "best_trial"  # explain.json: the search's trial whose configuration is explained


def search_best_trial(trials: pd.DataFrame) -> pd.Series:
    """The search's best trial: the highest best validation accuracy among those that neither
    diverged nor failed (its configuration is what the runs explain; the deliverable in best/ may
    be a final training or an ensemble built from it)."""
    measured = trials[~trials["state"].isin(("diverged", "failed"))].dropna(subset=["best_val_acc"])
    return measured.loc[measured["best_val_acc"].idxmax()]


def best_run_is_full(trials: pd.DataFrame, trial_id: str, max_epochs: int) -> bool:
    """Whether the search's best trial ran every epoch (then it counts as one of the best's seeds)."""
    row = trials[trials["trial_id"] == trial_id]
    return bool(len(row)) and row["state"].iloc[0] == "complete" and int(row["epochs"].iloc[0]) >= max_epochs


def arm_by_key(arms: list[Arm]) -> dict[tuple, list[Arm]]:
    found: dict[tuple, list[Arm]] = {}
    for arm in arms:
        found.setdefault(config_key(arm.config), []).append(arm)
    return found


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 90 else f"{math.floor(minutes / 60)} h {minutes % 60:02.0f} min"


__all__ = ["BEST", "Plan", "best_run_is_full", "make_plan"]
