"""The wide space: the study's dimensions plus what a modern search adds, as an expert writes it.

Conditional where the sensible range depends on another choice, so no trial is spent where
nothing can learn. On real FER2013 (8,000-image subset, 9 epochs) the unconditional space
spent 74% of its training time on trials that never beat the majority class: AdamW at lr
0.25 and 0.6, plain SGD at 2e-4 and 3e-4, momentum SGD at 1.6e-4 and 7e-4. Hence:

- learning rate by optimizer: AdamW 1e-4…1e-2 (its usual 1e-3 in the middle), SGD with
  momentum or Nesterov 1e-3…0.3, plain SGD wider, 3e-3…1 (no momentum needs larger steps);
- weight decay by optimizer: AdamW's is decoupled and scaled by the lr, so it is larger
  (1e-4…5e-2); SGD's is an L2 term (0…1e-3);
- standardization includes the study's raw 0–255 pixels, so its baselines are in the space;
- batch 16…512: at 8 the per-step overhead makes an epoch of arch2 several minutes on a CPU
  and above 512 a short run takes too few steps to learn (the `seed` space keeps the study's
  1…8192).

Sized so that the default run on the built-in synthetic data finishes in under 5 minutes on
a 2-core laptop: 12 trials of at most 3 epochs, with a 240 s time budget as the backstop.
On real FER2013 and a GPU cluster raise --samples, --max-epochs and --time-budget-s.
"""

from spaces.space import Conditional, SearchSpace, choice, log_uniform, uniform
from spaces.study import STUDY_BEST, STUDY_DEFAULT
from trainables.hyperparameters import TABLE

_MODERN_DEFAULTS = {row.name: row.default for row in TABLE if not row.studied}
_SGD_MOMENTUM_LR = log_uniform(1e-3, 0.3)
_SGD_WEIGHT_DECAY = choice(0.0, 1e-5, 1e-4, 1e-3)

FULL = SearchSpace(
    name="full",
    description="architecture, optimizer with its own lr and weight-decay ranges, batch, activation, "
                "standardization, batch-norm, dropout, augmentation, lr schedule",
    dimensions={
        "arch": choice("arch1", "arch2", "arch3"),
        "optimizer": choice("sgd", "sgd_momentum", "sgd_nesterov", "adamw"),
        "lr": Conditional("optimizer", {"sgd": log_uniform(3e-3, 1.0), "sgd_momentum": _SGD_MOMENTUM_LR,
                                        "sgd_nesterov": _SGD_MOMENTUM_LR, "adamw": log_uniform(1e-4, 1e-2)}),
        "weight_decay": Conditional("optimizer", {"sgd": _SGD_WEIGHT_DECAY, "sgd_momentum": _SGD_WEIGHT_DECAY,
                                                  "sgd_nesterov": _SGD_WEIGHT_DECAY,
                                                  "adamw": choice(1e-4, 1e-3, 1e-2, 5e-2)}),
        "batch_size": choice(16, 32, 64, 128, 256, 512),
        "activation": choice("relu", "leaky_relu", "elu", "gelu", "silu"),
        "standardize": choice("none", "pixel", "global", "per_image", "raw"),
        "batch_norm": choice(False, True),
        "dropout": uniform(0.0, 0.5),
        "augment": choice("none", "flip", "flip_shift"),
        "lr_schedule": choice("constant", "cosine"),
    },
    baselines=(STUDY_DEFAULT | _MODERN_DEFAULTS, STUDY_BEST | _MODERN_DEFAULTS),
    samples=12,
    max_epochs=3,
    grace_epochs=1,  # first rung: chosen on recorded learning curves (benchmarks/RESULTS.md)
    time_budget_s=240,
)
