"""The wide space: the study's dimensions plus what a modern search adds.

Sized so that the default run on the built-in synthetic data finishes in under 5 minutes on
a 2-core laptop: 12 trials of at most 3 epochs, with a 240 s time budget as the backstop
(an arch2/arch3 epoch on 6,000 images takes 20-30 s on one core). On real FER2013 and a
GPU cluster raise --samples, --max-epochs and --time-budget-s.
"""

from spaces.space import SearchSpace, choice, log_uniform, uniform
from spaces.study import STUDY_BEST, STUDY_DEFAULT

_MODERN_DEFAULTS = {"optimizer": "sgd", "weight_decay": 0.0, "batch_norm": False, "dropout": 0.0,
                    "augment": "none", "lr_schedule": "constant"}

FULL = SearchSpace(
    name="full",
    description="architecture, lr, batch, activation, standardization, optimizer, regularisation, "
                "augmentation, lr schedule",
    dimensions={
        "arch": choice("arch1", "arch2", "arch3"),
        "lr": log_uniform(1e-4, 1.0),
        "batch_size": choice(8, 16, 32, 64, 128, 256, 512, 1024, 2048),
        "activation": choice("relu", "leaky_relu", "elu", "gelu", "silu"),
        "standardize": choice("none", "pixel", "global", "per_image"),
        "optimizer": choice("sgd", "sgd_momentum", "sgd_nesterov", "adamw"),
        "weight_decay": choice(0.0, 1e-5, 1e-4, 1e-3),
        "batch_norm": choice(False, True),
        "dropout": uniform(0.0, 0.5),
        "augment": choice("none", "flip", "flip_shift"),
        "lr_schedule": choice("constant", "cosine"),
    },
    baselines=(STUDY_DEFAULT | _MODERN_DEFAULTS, STUDY_BEST | _MODERN_DEFAULTS),
    samples=12,
    max_epochs=3,
    grace_epochs=1,
    time_budget_s=240,
)
