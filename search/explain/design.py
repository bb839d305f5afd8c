"""The follow-up experiment around a search's best configuration, as data: which arms, which runs.

An arm is one configuration, repeated over seeds: the best itself; an ablation (one of the best's
hyperparameters put back to its reference — the study's setup where it has one, else the plain
default); a local sweep of the learning rate (÷10, ÷3, ×3, ×10 within the optimizer's range) and
of the batch size (÷4, ÷2, ×2, ×4 within the space); and the study's interaction question, the
learning-rate sweep again at a second batch size. Arms that land on the same configuration share
their runs. Pure bookkeeping, so the design can be checked on configurations written by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from spaces.space import Conditional, SearchSpace
from trainables.hyperparameters import BY_NAME, NAMES

BEST, ABLATION, LR_SWEEP, BATCH_SWEEP, INTERACTION = "best", "ablation", "lr sweep", "batch sweep", "interaction"
KINDS = (BEST, ABLATION, LR_SWEEP, BATCH_SWEEP, INTERACTION)
LR_STEPS = (1 / 10, 1 / 3, 3.0, 10.0)
BATCH_STEPS = (1 / 4, 1 / 2, 2.0, 4.0)
SECOND_BATCH_STEPS = (4.0, 8.0, 1 / 4, 1 / 8)
"""Where the interaction's second batch size is looked for, in this order, within the space."""


@dataclass(frozen=True)
class Arm:
    """One configuration of the design.

    Attributes:
        name: how the report names it ("best", "batch_norm True → False", "lr ×3", "lr ×3 at batch 256").
        kind: one of `KINDS`.
        config: every hyperparameter's value.
        changed: the hyperparameter the arm moves away from the best (None for the best).
        value: its value in this arm; `base` the best's value.
        step: the multiplier of a sweep (None otherwise).
        batch_size: the batch size an lr sweep runs at (the best's, or the interaction's second).
    """

    name: str
    kind: str
    config: dict[str, Any]
    changed: str | None = None
    value: Any = None
    base: Any = None
    step: float | None = None
    batch_size: int | None = None
    key: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", config_key(self.config))


def config_key(config: dict[str, Any]) -> tuple:
    """A configuration as a hashable key, every hyperparameter in the table's order."""
    return tuple((name, _plain(config.get(name))) for name in NAMES)


def explain_design(best: dict[str, Any], space: SearchSpace, varied: list[str]) -> list[Arm]:
    """Every arm around `best` for the hyperparameters the search `varied`, in the order they are
    listed in the report: the best, the ablations, the lr sweep, the batch sweep, the interaction."""
    best = {name: _plain(best.get(name, BY_NAME[name].default)) for name in NAMES}
    arms = [Arm("best", BEST, dict(best))]
    for name in (n for n in NAMES if n in varied):
        reference = reference_value(name, best, space)
        if reference is not None and not _same(reference, best[name]):
            config = with_value(best, name, reference, space)
            arms.append(Arm(f"{name} {_text(best[name])} → {_text(reference)}", ABLATION, config, name, reference,
                            best[name]))
    if "lr" in varied:
        arms += _lr_sweep(best, space, best["batch_size"], kind=LR_SWEEP)
    if "batch_size" in varied:
        for step in BATCH_STEPS:
            batch = _batch_within(space, best["batch_size"] * step)
            if batch is not None:
                arms.append(Arm(f"batch {_step_text(step)}", BATCH_SWEEP, with_value(best, "batch_size", batch, space),
                                "batch_size", batch, best["batch_size"], step))
    if "lr" in varied and "batch_size" in varied:
        second = next((b for b in (_batch_within(space, best["batch_size"] * s) for s in SECOND_BATCH_STEPS)
                       if b is not None), None)
        if second is not None:
            at_second = with_value(best, "batch_size", second, space)
            arms.append(Arm(f"lr ×1 at batch {second}", INTERACTION, at_second, "lr", best["lr"], best["lr"], 1.0,
                            second))
            arms += _lr_sweep(at_second, space, second, kind=INTERACTION)
    return arms


def reference_value(name: str, best: dict[str, Any], space: SearchSpace) -> Any:
    """The value an ablation puts `name` back to: its default (the study's setup where it has one),
    brought within the space's range for the best's other choices (a learning rate within its
    optimizer's range); None when the space has no room for it."""
    reference = BY_NAME[name].default
    distribution = _distribution(space, name, best)
    if distribution is None:
        return reference
    if isinstance(distribution, CategoricalDistribution):
        return reference if reference in distribution.choices else None
    return min(max(reference, distribution.low), distribution.high)


def with_value(config: dict[str, Any], name: str, value: Any, space: SearchSpace) -> dict[str, Any]:
    """`config` with `name` set to `value`; a hyperparameter whose range depends on `name` (the
    learning rate on the optimizer) keeps its place within its range: the same position on the
    range's scale, or, for a choice, its value where the new range allows it, else its default,
    else the range's first choice."""
    changed = {**config, name: value}
    for child, dimension in space.dimensions.items():
        if not isinstance(dimension, Conditional) or dimension.on != name:
            continue
        old, new = dimension.branches.get(config.get(name)), dimension.branches.get(value)
        if new is None:
            changed[child] = BY_NAME[child].default
        elif isinstance(new, CategoricalDistribution):
            keep = [v for v in (config.get(child), BY_NAME[child].default) if v in new.choices]
            changed[child] = keep[0] if keep else new.choices[0]
        elif old is not None and not isinstance(old, CategoricalDistribution):
            changed[child] = _same_position(config[child], old, new)
    return {key: _plain(v) for key, v in changed.items()}


@dataclass(frozen=True)
class Run:
    """One training: a configuration at one seed, serving every arm that has that configuration."""

    config: dict[str, Any]
    seed: int
    arms: tuple[str, ...]
    own: bool = False  # the search's own run of the best, reused rather than trained again


def runs_of(arms: list[Arm], seeds: list[int], own_seed: int | None = None) -> list[Run]:
    """One run per distinct configuration and seed, in the arms' order; the best's run at
    `own_seed` (the search's own full run) is marked as reused."""
    runs: dict[tuple, Run] = {}
    for arm in arms:
        for seed in seeds:
            key = (arm.key, seed)
            if key in runs:
                runs[key] = Run(runs[key].config, seed, (*runs[key].arms, arm.name), runs[key].own)
            else:
                runs[key] = Run(arm.config, seed, (arm.name,), own=arm.kind == BEST and seed == own_seed)
    return list(runs.values())


def trimmed(arms: list[Arm], cost_s: Callable[[list[Arm]], float], budget_s: float | None,
            promise: dict[str, float] | None = None) -> tuple[list[Arm], list[Arm]]:
    """(kept, dropped) so that `cost_s(kept)` fits `budget_s`, dropping in this order: the
    interaction, then the sweeps (the farthest steps first), then the ablations the search rated
    least promising (`promise`: arm name → how much the search's trials put the best's value
    above the reference; unknown counts as most promising). The best is never dropped; when it
    alone does not fit, everything else is dropped and the caller decides."""
    if budget_s is None:
        return list(arms), []
    promise = promise or {}

    def order(arm: Arm) -> tuple:
        if arm.kind == INTERACTION:
            return (0, -_distance(arm.step))
        if arm.kind in (LR_SWEEP, BATCH_SWEEP):
            return (1, -_distance(arm.step))
        return (2, promise.get(arm.name, math.inf))

    kept, dropped = list(arms), []
    for arm in sorted((a for a in arms if a.kind != BEST), key=order):
        if cost_s(kept) <= budget_s:
            break
        kept.remove(arm)
        dropped.append(arm)
    return kept, dropped


def _distance(step: float | None) -> float:
    """How far a sweep's step goes, in decades (÷10 and ×10 alike)."""
    return round(abs(math.log10(step)), 9) if step else 0.0


def _lr_sweep(config: dict[str, Any], space: SearchSpace, batch: int, kind: str) -> list[Arm]:
    arms = []
    distribution = _distribution(space, "lr", config)
    for step in LR_STEPS:
        lr = config["lr"] * step
        if distribution is not None:
            if not distribution.low * (1 - 1e-9) <= lr <= distribution.high * (1 + 1e-9):
                continue
            lr = min(max(lr, distribution.low), distribution.high)
        where = f" at batch {batch}" if kind == INTERACTION else ""
        arms.append(Arm(f"lr {_step_text(step)}{where}", kind, {**config, "lr": lr}, "lr", lr, config["lr"], step,
                        batch))
    return arms


def _distribution(space: SearchSpace, name: str, config: dict[str, Any]) -> BaseDistribution | None:
    dimension = space.dimensions.get(name)
    if isinstance(dimension, Conditional):
        return dimension.branches.get(config.get(dimension.on))
    return dimension


def _batch_within(space: SearchSpace, batch: float) -> int | None:
    if not float(batch).is_integer() or batch < 1:
        return None
    distribution = space.dimensions.get("batch_size")
    if isinstance(distribution, CategoricalDistribution):
        return int(batch) if int(batch) in distribution.choices else None
    if isinstance(distribution, IntDistribution):
        return int(batch) if distribution.low <= batch <= distribution.high else None
    return None


def _same_position(value: float, old: BaseDistribution, new: BaseDistribution) -> float:
    """`value`'s place in `old`'s range, carried to `new`'s (on a log scale where both are)."""
    log = isinstance(old, FloatDistribution) and old.log and isinstance(new, FloatDistribution) and new.log
    scale = math.log if log else float
    span = scale(old.high) - scale(old.low)
    position = (scale(value) - scale(old.low)) / span if span else 0.0
    moved = scale(new.low) + position * (scale(new.high) - scale(new.low))
    return float(math.exp(moved) if log else moved)


def _plain(value: Any) -> Any:
    """Numpy scalars as Python's (configurations compare and serialise alike)."""
    return value.item() if hasattr(value, "item") else value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-9)
    return a == b


def _text(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _step_text(step: float) -> str:
    return f"×{step:g}" if step >= 1 else f"÷{1 / step:g}"
