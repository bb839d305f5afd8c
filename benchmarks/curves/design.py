"""Configurations of a search space drawn space-filling: a scrambled Sobol sequence over the unit
cube, one coordinate per dimension, mapped through each dimension's distribution.

A conditional dimension (the learning rate by optimizer) uses its coordinate inside the branch
its parent chose, so every branch's range is covered evenly. Point `i` is the same whenever it
is drawn: a recording can stop and go on from where it stopped.
"""

from __future__ import annotations

import math
from typing import Any

from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from scipy.stats import qmc

from spaces.space import Conditional, SearchSpace

POINTS = 1024  # a power of two: Sobol's balance holds for every prefix of 2^k points


def sobol_configs(space: SearchSpace, seed: int = 0, points: int = POINTS) -> list[dict[str, Any]]:
    """`points` configurations of `space`, in Sobol order (the first n are the best n to take)."""
    cube = qmc.Sobol(d=len(space.dimensions), scramble=True, seed=seed).random(points)
    configs = []
    for row in cube:
        config: dict[str, Any] = {}
        for u, (name, dimension) in zip(row, space.dimensions.items()):
            if isinstance(dimension, Conditional):
                branch = dimension.branches.get(config.get(dimension.on))
                if branch is None:
                    continue
                dimension = branch
            config[name] = value_at(dimension, float(u))
        configs.append(config)
    return configs


def value_at(dimension: BaseDistribution, u: float) -> Any:
    """The value at quantile `u` ∈ [0, 1) of a distribution (uniform on its own scale)."""
    if isinstance(dimension, CategoricalDistribution):
        return dimension.choices[min(int(u * len(dimension.choices)), len(dimension.choices) - 1)]
    low, high = dimension.low, dimension.high
    value = math.exp(math.log(low) + u * (math.log(high) - math.log(low))) if dimension.log else low + u * (high - low)
    if isinstance(dimension, IntDistribution):
        return int(min(high, math.floor(value + 0.5)))
    assert isinstance(dimension, FloatDistribution)
    return float(value)
