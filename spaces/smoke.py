"""A tiny space for tests and first runs: arch1 only, a data subset, two epochs."""

from spaces.space import SearchSpace, choice, log_uniform
from spaces.study import STUDY_DEFAULT

SMOKE = SearchSpace(
    name="smoke",
    description="arch1 only, lr, batch, activation, standardization; a quick end-to-end check",
    dimensions={
        "lr": log_uniform(1e-3, 0.5),
        "batch_size": choice(32, 64, 128, 256),
        "activation": choice("relu", "leaky_relu"),
        "standardize": choice("none", "pixel"),
    },
    baselines=({k: STUDY_DEFAULT[k] for k in ("lr", "batch_size", "activation", "standardize")},),
    samples=6,
    max_epochs=2,
    grace_epochs=1,
    train_subset=1500,
)
