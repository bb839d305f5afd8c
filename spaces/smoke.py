"""A tiny space for tests and first runs: arch1 only, a data subset, two epochs.

AdamW and small batches are offered beside the study's defaults so that two epochs on a
subset already separate good trials (about 0.5-0.65 val_acc: AdamW near lr 0.003 with
pixel standardization) from ones still at the majority class (plain SGD at lr 0.01 and
batch 256), which gives ASHA and the report something to see.
"""

from spaces.space import SearchSpace, choice, log_uniform
from spaces.study import STUDY_DEFAULT

SMOKE = SearchSpace(
    name="smoke",
    description="arch1 only, lr, batch, activation, standardization, sgd or adamw; a quick end-to-end check",
    dimensions={
        "lr": log_uniform(1e-3, 0.3),
        "batch_size": choice(32, 64, 256),
        "activation": choice("relu", "leaky_relu"),
        "standardize": choice("none", "pixel"),
        "optimizer": choice("sgd", "adamw"),
    },
    # The study's default but on pixels/255: raw pixels are not in this quick space.
    baselines=({**{k: STUDY_DEFAULT[k] for k in ("lr", "batch_size", "activation")}, "standardize": "none",
                "optimizer": "sgd"},),
    samples=8,
    max_epochs=2,
    grace_epochs=1,
    train_subset=3000,
)
