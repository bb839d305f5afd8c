"""A named search space: the dimensions a search varies, and how big a run is by default."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution


@dataclass(frozen=True)
class SearchSpace:
    """Dimensions as Optuna distributions; anything not named keeps the study's default.

    `grid=True` spaces enumerate every combination of their categorical dimensions
    (Optuna's GridSampler); the others are sampled by TPE. `baselines` are the study's own
    configurations, evaluated first so every report can compare against them. `prune=False`
    runs every trial to the end (one-factor replays compare full runs), else ASHA stops laggards.
    `time_budget_s` caps a default run's wall time (trials cut by it count as pruned).
    """

    name: str
    description: str
    dimensions: dict[str, BaseDistribution]
    grid: bool = False
    baselines: tuple[dict[str, Any], ...] = ()
    samples: int = 20
    max_epochs: int = 10
    grace_epochs: int = 1
    train_subset: int | None = None
    prune: bool = True
    time_budget_s: float | None = None

    def grid_values(self) -> dict[str, list[Any]]:
        """The grid of a `grid=True` space: every dimension is categorical."""
        return {name: list(dist.choices) for name, dist in self.dimensions.items()}

    def grid_size(self) -> int:
        return math.prod(len(dist.choices) for dist in self.dimensions.values())

    def default_samples(self) -> int:
        return self.grid_size() if self.grid else self.samples

    def describe(self) -> str:
        lines = [f"{self.name}: {self.description}"]
        for name, dist in self.dimensions.items():
            lines.append(f"    {name:<14} {describe_distribution(dist)}")
        kind = f"grid of {self.grid_size()} points" if self.grid else f"TPE, {self.samples} samples"
        subset = f", train subset {self.train_subset:,}" if self.train_subset else ""
        stopping = f"ASHA grace {self.grace_epochs}" if self.prune else "no early stopping"
        budget = f", time budget {self.time_budget_s:g} s" if self.time_budget_s else ""
        lines.append(f"    ({kind}, {self.max_epochs} epochs max, {stopping}{subset}{budget})")
        return "\n".join(lines)


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
