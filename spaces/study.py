"""Spaces that replay the study: its full set of values (`seed`) and its controlled sections.

The study's setup, found from its text and by measurement on all of FER2013 (benchmarks/
RESULTS.md, "Replays of the study"): arch1, plain SGD (no momentum), batch 256, lr 0.01, ReLU,
10 epochs, and *raw* 0–255 pixels — it loaded FER2013 into arrays and standardized with
scikit-learn, so its unstandardized input was never divided by 255. With pixels in [0, 1]
instead, its learning-rate and standardization findings turn around, so the input's scale is
a factor of its own here (`lr_scale`). Its best network, arch2 with Leaky ReLU, kept raw pixels:
z-scoring had cost its arch1 13 points.

Every one-factor grid varies one dimension and keeps the others at the study's defaults; the
grids run every trial to the end, so their values compare directly.
"""

from spaces.space import SearchSpace, choice
from trainables.hyperparameters import BY_NAME, STUDY_SETUP

STUDY_LRS = (0.0001, 0.001, 0.005, 0.01, 0.1, 1.0)
STUDY_BATCHES = (1, 8, 32, 256, 1024, 2048, 8192)

STUDY_DEFAULT = dict(STUDY_SETUP)
STUDY_BEST = STUDY_DEFAULT | {"arch": "arch2", "batch_size": 32, "activation": "leaky_relu"}

SEED = SearchSpace(
    name="seed",
    description="exactly the study's dimensions and values, plain SGD, sampled by TPE",
    dimensions={
        "arch": choice("arch1", "arch2", "arch3"),
        "lr": choice(*STUDY_LRS),
        "batch_size": choice(*STUDY_BATCHES),
        "activation": choice("relu", "leaky_relu"),
        "standardize": choice("raw", "pixel"),
    },
    baselines=(STUDY_DEFAULT, STUDY_BEST),
    samples=24,
    max_epochs=10,
)


def _grid(name: str, description: str, **values: tuple) -> SearchSpace:
    """A controlled replay: every combination of `values`, each trained for 10 epochs."""
    return SearchSpace(name=name, description=description,
                       dimensions={dimension: choice(*levels) for dimension, levels in values.items()},
                       grid=True, max_epochs=10, prune=False)


def _replay(hyperparameter: str, description: str, levels: tuple) -> SearchSpace:
    """The study's section on one hyperparameter, under the replay name the table gives it."""
    return _grid(BY_NAME[hyperparameter].replay, description, **{hyperparameter: levels})


CONTROLLED = (
    _replay("lr", "the study's learning-rate section: one grid over lr", STUDY_LRS),
    _replay("batch_size", "the study's batch-size section: one grid over batch size", STUDY_BATCHES),
    _replay("activation", "the study's activation section: ReLU against Leaky ReLU", ("relu", "leaky_relu")),
    _replay("standardize", "the study's standardization section: raw pixels, pixels/255 and per-pixel z-score",
            ("raw", "none", "pixel")),
    _replay("arch", "the study's architecture section: arch1, arch2, arch3", ("arch1", "arch2", "arch3")),
    _grid("lr_batch", "the study's figures 1.2-1.3: its six learning rates at batch 256 and at batch 8",
          lr=STUDY_LRS, batch_size=(8, 256)),
    _grid("lr_scale", "the study's learning rates on raw pixels and on pixels/255, at batch 256",
          lr=STUDY_LRS, standardize=("raw", "none")),
)
