"""One planted experiment: configurations drawn as a search draws them, results that follow a
kind's formulas with noise, written in the files `reports.build` reads.

Configurations come from Optuna on the `full` space (its random sampler, or the search's own
TPE assembly, `search.tuner.optuna_sampler`, with the study's baselines first), so conditional
learning rates and every nuisance hyperparameter vary as in a real search. Per trial: a
seconds-per-epoch of its configuration with per-trial and per-epoch noise (and warm-up added to
the first epoch); a learning curve rising to its configuration's accuracy plus a per-trial
offset, with per-epoch noise; divergence where the kind says. Successive halving is applied
after the fact.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import optuna
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.planted.kinds import Config, Kind, arch_and_batch_seconds, lr_peak
from experiment.files import EPOCHS_FILE, OPTUNA_FILE, SUMMARY_FILE, TRIALS_FILE
from experiment.schema import (COMPLETE, DIVERGED, EPOCHS_SCHEMA, OBJECTIVE, PRUNED, SCHEDULER, SEARCH,
                               TRIALS_SCHEMA)
from search.outcome import OPTUNA_STATES
from search.tuner import optuna_sampler, study_baselines
from spaces import SPACES
from trainables.hyperparameters import DEFAULTS

EPOCHS = 9
EPOCH_TIME_NOISE = 0.05   # log-sd of one epoch's seconds around its trial's
TRIAL_TIME_NOISE = 0.10   # log-sd of a trial's seconds per epoch around its configuration's
EPOCH_ACCURACY_NOISE = 0.01
DIVERGED_ACCURACY = 0.13  # what broken weights measure
CURVE = 3.0               # epochs for the learning curve to rise by 1 - 1/e


class Planted(NamedTuple):
    """trials.parquet and epochs.parquet rows, and the Optuna trials behind them."""

    trials: list[dict[str, Any]]
    epochs: list[dict[str, Any]]
    study: list[optuna.trial.FrozenTrial]


def planted_experiment(kind: Kind, seed: int, configs: list[Config] | None = None) -> Planted:
    """One experiment of `kind`, seeded: the same seed gives the same rows."""
    rng = np.random.default_rng(seed)
    drawn = _drawn_trials(kind, seed, rng) if configs is None else _given_trials(configs)
    trial_rows, epoch_rows = [], []
    for number, (config, frozen) in enumerate(drawn):
        trial_id = f"t{number:02d}"
        rows = _epochs(kind, config, trial_id, number, rng)
        epoch_rows += rows
        diverged = rows[-1]["diverged"]
        trial_rows.append({"trial_id": trial_id, "optuna_number": number, "state": DIVERGED if diverged else COMPLETE,
                           **config, "seed": seed, "epochs": len(rows), "max_epochs": EPOCHS, "param_count": 1,
                           "images_per_s": 1000.0, "precision": "fp32", "device": "cpu"})
    _halve(kind, trial_rows, epoch_rows)
    stopped_at = {row["trial_id"]: row["epochs"] for row in trial_rows}
    epoch_rows = [e for e in epoch_rows if e["epoch"] <= stopped_at[e["trial_id"]]]
    _summarise(trial_rows, epoch_rows)
    return Planted(trial_rows, epoch_rows, [frozen for _, frozen in drawn])


def planted_trials(seed: int = 0, trials: int = 30, noise: float = 0.02,
                   accuracy: Callable[[Config], float] = lr_peak,
                   seconds: Callable[[Config], float] = arch_and_batch_seconds,
                   configs: list[Config] | None = None, **kind: Any) -> Planted:
    """A planted experiment of an ad-hoc kind (random sampling, halving at epochs 2 and 6 by
    default): `accuracy` and `seconds` are the truth, `noise` a trial's accuracy noise."""
    ad_hoc = Kind("ad hoc", "written by a test", accuracy=accuracy, seconds=seconds, trials=trials,
                  trial_noise=noise, **{"rungs": (2, 6), "reduction": 2, **kind})
    return planted_experiment(ad_hoc, seed, configs)


def write_planted(folder: Path, planted: Planted, space: str = "full") -> Path:
    """The experiment folder: both Parquet files, summary.json and the Optuna study."""
    folder.mkdir(parents=True, exist_ok=False)
    pq.write_table(pa.Table.from_pylist(planted.trials, schema=TRIALS_SCHEMA), folder / TRIALS_FILE)
    pq.write_table(pa.Table.from_pylist(planted.epochs, schema=EPOCHS_SCHEMA), folder / EPOCHS_FILE)
    (folder / SUMMARY_FILE).write_text(json.dumps({
        "name": folder.name, "space": space, "status": "finished", "wall_time_s": 100.0,
        "data": {"description": "FER2013 (planted truth: no training)", "synthetic": False},
        SEARCH: {"max_epochs": EPOCHS, SCHEDULER: "halving", OBJECTIVE: "accuracy"}, "trials": {}, "best": None}))
    _write_study(folder, planted)
    return folder


def _drawn_trials(kind: Kind, seed: int, rng: np.random.Generator) -> list[tuple[Config, optuna.trial.FrozenTrial]]:
    """The kind's configurations as its sampler proposes them, each told its planted accuracy."""
    space = SPACES["full"]
    baselines = study_baselines(space) if kind.sampler == "tpe" else {}
    sampler = optuna_sampler(space, seed, sampler=kind.sampler, baselines=baselines)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = optuna.create_study(sampler=sampler, direction="maximize")
        for baseline in baselines.values():
            study.enqueue_trial(space.params_of(baseline))
        drawn = []
        for _ in range(kind.trials):
            trial = study.ask()
            space.suggest(trial)
            config = {**DEFAULTS, **space.config_of(trial.params)}
            study.tell(trial, kind.accuracy(config) + rng.normal(0, kind.trial_noise))
            drawn.append((config, study.trials[-1]))
    return drawn


def _given_trials(configs: list[Config]) -> list[tuple[Config, optuna.trial.FrozenTrial]]:
    """Configurations written by hand, as trials over categorical distributions of the values used."""
    full = [{**DEFAULTS, **config} for config in configs]
    varied = [name for name in DEFAULTS if len({repr(c[name]) for c in full}) > 1]
    distributions = {name: optuna.distributions.CategoricalDistribution(sorted({c[name] for c in full}, key=repr))
                     for name in varied}
    return [(config, optuna.trial.create_trial(state=optuna.trial.TrialState.COMPLETE, value=0.0,
                                               params={name: config[name] for name in varied},
                                               distributions=distributions)) for config in full]


def _epochs(kind: Kind, config: Config, trial_id: str, number: int, rng: np.random.Generator) -> list[dict]:
    """A trial's epochs: time and accuracy as the kind plants them, cut where it diverges."""
    final = kind.accuracy(config) + rng.normal(0, kind.trial_noise)
    per_epoch = kind.seconds(config) * math.exp(rng.normal(0, TRIAL_TIME_NOISE))
    diverges_at = int(rng.integers(1, 3)) if kind.diverges is not None and kind.diverges(config) else None
    rows, total = [], 0.0
    for epoch in range(1, EPOCHS + 1):
        took = per_epoch * math.exp(rng.normal(0, EPOCH_TIME_NOISE)) + (kind.warmup_s if epoch == 1 else 0.0)
        rise = (1 - math.exp(-epoch / CURVE)) / (1 - math.exp(-EPOCHS / CURVE))
        acc = 0.2 + (final - 0.2) * rise + rng.normal(0, EPOCH_ACCURACY_NOISE)
        diverged = epoch == diverges_at
        if diverged:
            took, acc = 0.4 * took, DIVERGED_ACCURACY  # it stopped part-way, at the non-finite loss
        total += took
        rows.append({"trial_id": trial_id, "optuna_number": number, "epoch": epoch, "val_acc": acc,
                     "val_loss": math.nan if diverged else 2.0 - acc, "train_acc": acc,
                     "train_loss": math.nan if diverged else 2.0 - acc, "epoch_time_s": took, "train_time_s": total,
                     "images_per_s": 1000.0, "eval_time_s": 0.1, "diverged": diverged})
        if diverged:
            break
    return rows


def _halve(kind: Kind, trial_rows: list[dict], epoch_rows: list[dict]) -> None:
    """Successive halving after the fact: at each rung the best 1/reduction of the trials still
    running (by validation loss there) go on; the others stop, pruned, after the rung's epoch."""
    loss = {(e["trial_id"], e["epoch"]): e["val_loss"] for e in epoch_rows}
    alive = [row["trial_id"] for row in trial_rows if row["state"] == COMPLETE]
    for rung in kind.rungs:
        ranked = sorted(alive, key=lambda t: loss[(t, rung)])
        alive = ranked[:math.ceil(len(ranked) / kind.reduction)]
        for row in trial_rows:
            if row["trial_id"] in ranked[len(alive):]:
                row.update(state=PRUNED, epochs=rung)


def _summarise(trial_rows: list[dict], epoch_rows: list[dict]) -> None:
    """Each trial's summary columns, worked out from its epochs as the search does."""
    by_trial: dict[str, list[dict]] = {}
    for e in epoch_rows:
        by_trial.setdefault(e["trial_id"], []).append(e)
    for row in trial_rows:
        mine = by_trial[row["trial_id"]]
        best = max(mine, key=lambda e: e["val_acc"])
        total = mine[-1]["train_time_s"]
        row.update(best_val_acc=best["val_acc"], best_epoch=best["epoch"], last_val_acc=mine[-1]["val_acc"],
                   train_time_s=total, full_run_time_s=total / len(mine) * EPOCHS,
                   full_run_time_projected=len(mine) < EPOCHS)


def _write_study(folder: Path, planted: Planted) -> None:
    """The Optuna study as the search leaves it: each trial's parameters, its state and value."""
    storage = f"sqlite:///{folder / OPTUNA_FILE}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = optuna.create_study(storage=storage, study_name=folder.name, direction="maximize")
        for row, frozen in zip(planted.trials, planted.study):
            state = OPTUNA_STATES[row["state"]]
            value = row["last_val_acc"] if state == optuna.trial.TrialState.COMPLETE else None
            study.add_trial(optuna.trial.create_trial(
                state=state, value=value, params=frozen.params, distributions=frozen.distributions,
                user_attrs={"train_time_s": row["train_time_s"], "epochs": row["epochs"],
                            "diverged": row["state"] == DIVERGED, "ray_trial_id": row["trial_id"]}))
