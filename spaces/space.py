"""A named search space: the dimensions a search varies, and how big a run is by default.

A dimension is an Optuna distribution, or a `Conditional` one whose range depends on an
earlier dimension (the learning rate on the optimizer, say). Conditional spaces are given
to Ray's OptunaSearch as a define-by-run function (`SearchSpace.suggest`), so TPE models
each branch under its own Optuna parameter name (`lr[adamw]`) and never mixes the learning
rates of two optimizers; every trial's config still names each hyperparameter once (`lr`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution


@dataclass(frozen=True)
class Conditional:
    """A dimension whose distribution depends on the value of the dimension `on`.

    Args:
        on: an earlier dimension of the same space.
        branches: that dimension's value → this dimension's distribution there; a value
            missing here leaves this dimension at its default for such trials.
    """

    on: str
    branches: dict[Any, BaseDistribution]

    def optuna_name(self, name: str, parent_value: Any) -> str:
        """The Optuna parameter that holds this dimension for one branch, e.g. `lr[adamw]`."""
        return f"{name}[{parent_value}]"


Dimension = Union[BaseDistribution, Conditional]


@dataclass(frozen=True)
class SearchSpace:
    """Dimensions as Optuna distributions; anything not named keeps the study's default.

    `grid=True` spaces enumerate every combination of their categorical dimensions
    (Optuna's GridSampler); the others are sampled by TPE. `baselines` are the study's own
    configurations, evaluated first so every report can compare against them. `prune=False`
    runs every trial to the end (one-factor replays compare full runs), else early stopping
    stops laggards. `time_budget_s` caps a default run's wall time (trials cut by it count
    as pruned).
    """

    name: str
    description: str
    dimensions: dict[str, Dimension]
    grid: bool = False
    baselines: tuple[dict[str, Any], ...] = ()
    samples: int = 20
    max_epochs: int = 10
    grace_epochs: int = 1
    train_subset: int | None = None
    prune: bool = True
    time_budget_s: float | None = None
    source: str | None = None  # the file it was read from (`spaces.files`); None for a named space

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for name, dimension in self.dimensions.items():
            if isinstance(dimension, Conditional) and dimension.on not in seen:
                raise ValueError(f"Dimension {name!r} of space {self.name!r} depends on {dimension.on!r}, "
                                 "which must be declared before it")
            seen.add(name)
        if self.grid and self.conditional:
            raise ValueError(f"Space {self.name!r}: a grid cannot have conditional dimensions")

    @property
    def conditional(self) -> bool:
        return any(isinstance(d, Conditional) for d in self.dimensions.values())

    def grid_values(self) -> dict[str, list[Any]]:
        """The grid of a `grid=True` space: every dimension is categorical."""
        return {name: list(dist.choices) for name, dist in self.dimensions.items()}

    def grid_size(self) -> int:
        return math.prod(len(dist.choices) for dist in self.dimensions.values())

    def default_samples(self) -> int:
        return self.grid_size() if self.grid else self.samples

    def suggest(self, trial: optuna.Trial) -> None:
        """Define-by-run: ask `trial` for every dimension that applies to it.

        Returns nothing: the Optuna parameters are the record, `config_of` reads them back.
        """
        chosen: dict[str, Any] = {}
        for name, dimension in self.dimensions.items():
            if isinstance(dimension, Conditional):
                parent = chosen.get(dimension.on)
                if parent not in dimension.branches:
                    continue
                chosen[name] = _suggest(trial, dimension.optuna_name(name, parent), dimension.branches[parent])
            else:
                chosen[name] = _suggest(trial, name, dimension)

    def config_of(self, params: dict[str, Any]) -> dict[str, Any]:
        """A trial's config (hyperparameter → value) from its Optuna parameters."""
        config: dict[str, Any] = {}
        for name, dimension in self.dimensions.items():
            if isinstance(dimension, Conditional):
                key = dimension.optuna_name(name, config.get(dimension.on))
                if key in params:
                    config[name] = params[key]
            elif name in params:
                config[name] = params[name]
        return config

    def params_of(self, config: dict[str, Any]) -> dict[str, Any]:
        """The Optuna parameters that produce `config` (for queuing the study's baselines)."""
        params: dict[str, Any] = {}
        for name, dimension in self.dimensions.items():
            if name not in config:
                continue
            if isinstance(dimension, Conditional):
                params[dimension.optuna_name(name, config.get(dimension.on))] = config[name]
            else:
                params[name] = config[name]
        return params

    def describe(self) -> str:
        lines = [f"{self.name}: {self.description}"]
        for name, dimension in self.dimensions.items():
            if isinstance(dimension, Conditional):
                lines.append(f"    {name:<14} by {dimension.on}:")
                lines += [f"    {'':<16}{value}: {describe_distribution(dist)}"
                          for value, dist in dimension.branches.items()]
            else:
                lines.append(f"    {name:<14} {describe_distribution(dimension)}")
        kind = f"grid of {self.grid_size()} points" if self.grid else f"TPE, {self.samples} samples"
        subset = f", train subset {self.train_subset:,}" if self.train_subset else ""
        stopping = f"early stopping from epoch {self.grace_epochs}" if self.prune else "no early stopping"
        budget = f", time budget {self.time_budget_s:g} s" if self.time_budget_s else ""
        lines.append(f"    ({kind}, {self.max_epochs} epochs max, {stopping}{subset}{budget})")
        return "\n".join(lines)


def _suggest(trial: optuna.Trial, name: str, dist: BaseDistribution) -> Any:
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, log=dist.log, step=dist.step)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, log=dist.log, step=dist.step)
    raise TypeError(f"Unsupported distribution {dist!r} for {name!r}")


def describe_distribution(dist: BaseDistribution) -> str:
    if isinstance(dist, CategoricalDistribution):
        return "{" + ", ".join(str(c) for c in dist.choices) + "}"
    if isinstance(dist, FloatDistribution):
        scale = "log-uniform" if dist.log else "uniform"
        return f"{scale} [{dist.low:g}, {dist.high:g}]"
    return repr(dist)


def choice(*values: Any) -> CategoricalDistribution:
    return CategoricalDistribution(values)


def log_uniform(low: float, high: float) -> FloatDistribution:
    return FloatDistribution(low, high, log=True)


def uniform(low: float, high: float) -> FloatDistribution:
    return FloatDistribution(low, high)
