"""The kinds of planted truth: what drives time and accuracy, how trials are drawn and stopped.

Each kind plants a known answer into the `full` space, as a real search would meet it: the
learning rate's range by optimizer, every nuisance hyperparameter varying, and (by kind) TPE's
correlated proposals, early stopping with warm-up in the first epoch, diverged trials. A factor
outside a kind's `time_factors` or `accuracy_factors` has no effect at all, so any claim the
report makes about it is false.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

Config = dict[str, Any]

BASE_ACCURACY = 0.45
ARCH_COST = {"arch1": 1.0, "arch2": 8.0, "arch3": 14.0}


def arch_and_batch_seconds(config: Config) -> float:
    """arch3 14× and arch2 8× arch1; halving the batch costs 2^0.7 ≈ 1.62×."""
    return 2.0 * ARCH_COST[config["arch"]] * (256 / config["batch_size"]) ** 0.7


def u_shaped_batch_seconds(config: Config) -> float:
    """Per-step cost at small batches, memory at large ones: fastest at batch 64, 2× at 16, 4× at 512."""
    return 2.0 * ARCH_COST[config["arch"]] * (16 / config["batch_size"] + config["batch_size"] / 256)


def constant_seconds(config: Config) -> float:
    return 2.0


def nothing(config: Config) -> float:
    return BASE_ACCURACY


def lr_peak(config: Config) -> float:
    """A peak of 60% at lr 0.01, falling to the majority class's 25% two decades either side."""
    return 0.25 + 0.35 * math.exp(-(math.log10(config["lr"]) + 2) ** 2 / 0.5)


def lr_loses_10(config: Config) -> float:
    """Learning rates above 1e-3 lose accuracy, 5 points a decade, down to 10 points from 0.1 on."""
    return BASE_ACCURACY - 0.10 * min(1.0, max(0.0, (math.log10(config["lr"]) + 3) / 2))


def batch_norm_gains_10(config: Config) -> float:
    return BASE_ACCURACY + (0.10 if config["batch_norm"] else 0.0)


def lr_and_batch_norm(config: Config) -> float:
    """Two 10-point effects: the learning rate's (`lr_loses_10`) and batch norm's (+10 points)."""
    return lr_loses_10(config) + batch_norm_gains_10(config) - BASE_ACCURACY


def elu_loses_10(config: Config) -> float:
    """One bad activation among five: ELU 10 points below the others."""
    return BASE_ACCURACY - (0.10 if config["activation"] == "elu" else 0.0)


def raw_pixels_lose_5(config: Config) -> float:
    """Standardization: raw 0–255 pixels 5 points below every standardized input."""
    return BASE_ACCURACY - (0.05 if config["standardize"] == "raw" else 0.0)


def rising_lr_optimum(config: Config) -> float:
    """lr × batch: the best lr rises from 1e-3 at batch 16 by a third of a decade per doubling."""
    best = -3 + math.log2(config["batch_size"] / 16) / 3
    return 0.30 + 0.20 * math.exp(-(math.log10(config["lr"]) - best) ** 2 / 2)


def lr_above_quarter(config: Config) -> bool:
    return config["lr"] > 0.25


@dataclass(frozen=True)
class Kind:
    """One kind of planted experiment.

    Attributes:
        name, description: how the benchmark's table names it, and what is planted.
        accuracy: a configuration's planted accuracy after a full run (mean over seeds).
        seconds: its planted seconds per epoch (after warm-up).
        accuracy_factors, time_factors: the hyperparameters with a planted effect; every
            other one has none.
        accuracy_points: the planted accuracy effect's size (points between a factor's best
            and worst value), 0 when none.
        trials: trials drawn.
        sampler: "random" (Optuna's random sampler) or "tpe" (the search's own TPE, told each
            trial's planted accuracy, so its proposals correlate as a real search's do).
        rungs, reduction: successive halving after the fact: at each rung epoch the best
            1/`reduction` of the trials still running go on, the others stop (pruned).
        warmup_s: seconds added to each trial's first epoch.
        diverges: which configurations diverge (at epoch 1 or 2), or None.
        trial_noise: standard deviation of a trial's accuracy around its configuration's (seeds).
    """

    name: str
    description: str
    accuracy: Callable[[Config], float] = nothing
    seconds: Callable[[Config], float] = arch_and_batch_seconds
    accuracy_factors: frozenset[str] = frozenset()
    time_factors: frozenset[str] = frozenset({"arch", "batch_size"})
    accuracy_points: float = 0.0
    trials: int = 40
    sampler: str = "random"
    rungs: tuple[int, ...] = ()
    reduction: int = 3
    warmup_s: float = 0.0
    diverges: Callable[[Config], bool] | None = None
    trial_noise: float = 0.02

    def with_trials(self, trials: int) -> "Kind":
        return replace(self, trials=trials)


_EARLY = {"rungs": (1, 3), "reduction": 3, "warmup_s": 5.0}
KINDS = {kind.name: kind for kind in (
    Kind("interaction", "lr × batch: the best lr rises with the batch size (20 points at the optimum)",
         accuracy=rising_lr_optimum, accuracy_factors=frozenset({"lr", "batch_size"}), accuracy_points=20),
    Kind("bad_activation", "one bad activation among five: ELU 10 points below",
         accuracy=elu_loses_10, accuracy_factors=frozenset({"activation"}), accuracy_points=10),
    Kind("standardization", "raw pixels 5 points below standardized ones, under 3 points of noise",
         accuracy=raw_pixels_lose_5, accuracy_factors=frozenset({"standardize"}), accuracy_points=5,
         trial_noise=0.03),
    Kind("ten_points", "two 10-point effects: lr 0.1 and above 10 points below 1e-3 and under, batch norm +10",
         accuracy=lr_and_batch_norm, accuracy_factors=frozenset({"lr", "batch_norm"}), accuracy_points=10),
    Kind("tpe", "as ten_points, drawn by TPE (correlated proposals)", sampler="tpe",
         accuracy=lr_and_batch_norm, accuracy_factors=frozenset({"lr", "batch_norm"}), accuracy_points=10),
    Kind("early_stopping", "as ten_points, stopped at epochs 1 and 3 (η 3), 5 s of warm-up in epoch 1",
         accuracy=lr_and_batch_norm, accuracy_factors=frozenset({"lr", "batch_norm"}), accuracy_points=10,
         **_EARLY),
    Kind("diverged", "lr above 0.25 diverges at epoch 1 or 2; batch norm gains 10",
         accuracy=batch_norm_gains_10, accuracy_factors=frozenset({"batch_norm"}), accuracy_points=10,
         diverges=lr_above_quarter),
    Kind("u_batch", "seconds per epoch U-shaped in the batch size (fastest at 64); batch norm gains 10",
         seconds=u_shaped_batch_seconds, accuracy=batch_norm_gains_10, accuracy_factors=frozenset({"batch_norm"}),
         accuracy_points=10),
    Kind("null", "no effect at all, random sampling, every trial to the end", trials=25,
         seconds=constant_seconds, time_factors=frozenset()),
    Kind("null_tpe_early", "no effect at all, TPE, stopped at epochs 1 and 3, 5 s of warm-up",
         seconds=constant_seconds, time_factors=frozenset(), sampler="tpe", **_EARLY),
)}
