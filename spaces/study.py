"""Spaces that replay the study: its full set of values (`seed`) and its one-factor sections.

Every one-factor grid varies one dimension and keeps the others at the study's defaults
(arch1, plain SGD, batch 256, lr 0.01, ReLU, no standardization, 10 epochs).
"""

from spaces.space import SearchSpace, choice

STUDY_LRS = (0.0001, 0.001, 0.005, 0.01, 0.1, 1.0)
STUDY_BATCHES = (1, 8, 32, 256, 1024, 2048, 8192)

STUDY_DEFAULT = {"arch": "arch1", "lr": 0.01, "batch_size": 256, "activation": "relu", "standardize": "none"}
STUDY_BEST = {"arch": "arch2", "lr": 0.01, "batch_size": 32, "activation": "leaky_relu", "standardize": "pixel"}

SEED = SearchSpace(
    name="seed",
    description="exactly the study's dimensions and values, plain SGD, sampled by TPE",
    dimensions={
        "arch": choice("arch1", "arch2", "arch3"),
        "lr": choice(*STUDY_LRS),
        "batch_size": choice(*STUDY_BATCHES),
        "activation": choice("relu", "leaky_relu"),
        "standardize": choice("none", "pixel"),
    },
    baselines=(STUDY_DEFAULT, STUDY_BEST),
    samples=24,
    max_epochs=10,
)


def _one_factor(name: str, description: str, values: tuple) -> SearchSpace:
    return SearchSpace(name=name, description=description, dimensions={_DIMENSION[name]: choice(*values)},
                       grid=True, max_epochs=10, prune=False)


_DIMENSION = {"lr": "lr", "batch": "batch_size", "activation": "activation", "standardize": "standardize",
              "arch": "arch"}

ONE_FACTOR = (
    _one_factor("lr", "the study's learning-rate section: one grid over lr", STUDY_LRS),
    _one_factor("batch", "the study's batch-size section: one grid over batch size", STUDY_BATCHES),
    _one_factor("activation", "the study's activation section: ReLU against Leaky ReLU", ("relu", "leaky_relu")),
    _one_factor("standardize", "the study's standardization section: none against per-pixel z-score",
                ("none", "pixel")),
    _one_factor("arch", "the study's architecture section: arch1, arch2, arch3", ("arch1", "arch2", "arch3")),
)
