"""What one trial trains: the hyperparameters a search varies, described once.

`TABLE` is the one description of every hyperparameter — its type, the values the trainable
accepts, its default (the study's setup, or the plain choice where the study had none), whether
the study varied it, the scale a person reasons in, its name in a sentence and the controlled
replay space that varies it alone. Everything else is derived from it: the `Hyperparameters`
a trial is built from, the Parquet schema (`experiment.schema`), the space-file validator
(`spaces.files`), the report's labels, scales and references (`reports.evidence.factors`) and
the simulator's encoding (`benchmarks.curves.surrogate`). Adding a hyperparameter means one
row here plus the code that uses it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from trainables.standardize import STANDARDIZATIONS

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
SCALES = ("categorical", "log10", "log2", "linear")


@dataclass(frozen=True)
class Hyperparameter:
    """One row of the table.

    Attributes:
        name: its key in a config, a Parquet column and a space file.
        kind: its Python type (str, float, int or bool).
        default: what a trial trains with when a search does not set it: the study's own
            setup for the five hyperparameters the study varied, else the plain choice (no
            batch norm, no dropout, no augmentation, constant lr).
        studied: whether the study varied it (its default is then the study's value).
        scale: how a model and a sentence treat it: "categorical", or a numeric value in
            decades ("log10"), halvings ("log2") or as it is ("linear").
        label: its name in a sentence ("learning rate").
        prefix: how a sentence names one of its values ("lr 0.01", "batch 256"); empty where
            the value names itself ("arch2", "adamw", "relu").
        values: the values the trainable accepts (categorical only).
        value_words: how a sentence names a value where its name alone would not tell.
        replay: the controlled replay space that varies it alone, where the project has one.
        log_floor: added before taking the log, so that 0 (no weight decay) has a place.
    """

    name: str
    kind: type
    default: Any
    studied: bool
    scale: str
    label: str
    prefix: str
    values: tuple | None = None
    value_words: dict[str, str] | None = None
    replay: str | None = None
    log_floor: float = 0.0

    @property
    def numeric(self) -> bool:
        return self.scale != "categorical"

    def scaled(self, value: float) -> float:
        """A numeric value on its scale: log10(lr), log2(batch), dropout as it is."""
        if self.scale == "log10":
            return math.log10(value + self.log_floor)
        if self.scale == "log2":
            return math.log2(value)
        return float(value)

    def words(self, value: Any) -> str:
        """A value as a sentence names it: "pixels/255" for standardization none."""
        return (self.value_words or {}).get(str(value), str(value))


TABLE = (
    Hyperparameter("arch", str, "arch1", True, "categorical", "architecture", "",
                   values=("arch1", "arch2", "arch3"), replay="arch"),
    Hyperparameter("lr", float, 0.01, True, "log10", "learning rate", "lr", replay="lr"),
    Hyperparameter("batch_size", int, 256, True, "log2", "batch size", "batch", replay="batch"),
    Hyperparameter("activation", str, "relu", True, "categorical", "activation", "",
                   values=("relu", "leaky_relu", "elu", "gelu", "silu"), replay="activation"),
    Hyperparameter("standardize", str, "raw", True, "categorical", "standardization", "standardization",
                   values=STANDARDIZATIONS, replay="standardize",
                   value_words={"raw": "raw 0–255 pixels", "none": "pixels/255", "pixel": "z-scored pixels",
                                "global": "one z-score", "per_image": "per-image z-score"}),
    Hyperparameter("optimizer", str, "sgd", False, "categorical", "optimizer", "",
                   values=("sgd", "sgd_momentum", "sgd_nesterov", "adamw")),
    Hyperparameter("weight_decay", float, 0.0, False, "log10", "weight decay", "weight decay", log_floor=1e-6),
    Hyperparameter("batch_norm", bool, False, False, "categorical", "batch norm", "batch norm", values=(False, True)),
    Hyperparameter("dropout", float, 0.0, False, "linear", "dropout", "dropout"),
    Hyperparameter("augment", str, "none", False, "categorical", "augmentation", "augment",
                   values=("none", "flip", "flip_shift")),
    Hyperparameter("lr_schedule", str, "constant", False, "categorical", "lr schedule", "schedule",
                   values=("constant", "cosine")),
)
BY_NAME = {h.name: h for h in TABLE}
NAMES = tuple(h.name for h in TABLE)
DEFAULTS = {h.name: h.default for h in TABLE}
STUDY_SETUP = {h.name: h.default for h in TABLE if h.studied}
"""The study's own setup: arch1, plain SGD, batch 256, lr 0.01, ReLU, raw 0–255 pixels."""
ARCHITECTURES = BY_NAME["arch"].values
ACTIVATIONS = BY_NAME["activation"].values


@dataclass(frozen=True)
class Hyperparameters:
    """One trial's hyperparameters; each default is `TABLE`'s."""

    arch: str = DEFAULTS["arch"]
    lr: float = DEFAULTS["lr"]
    batch_size: int = DEFAULTS["batch_size"]
    activation: str = DEFAULTS["activation"]
    standardize: str = DEFAULTS["standardize"]
    optimizer: str = DEFAULTS["optimizer"]
    weight_decay: float = DEFAULTS["weight_decay"]
    batch_norm: bool = DEFAULTS["batch_norm"]
    dropout: float = DEFAULTS["dropout"]
    augment: str = DEFAULTS["augment"]
    lr_schedule: str = DEFAULTS["lr_schedule"]

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Hyperparameters":
        """Build from a (possibly partial) search config; unknown keys and values are errors."""
        unknown = set(config) - set(NAMES)
        if unknown:
            raise ValueError(f"Unknown hyperparameters {sorted(unknown)}; known: {list(NAMES)}")
        hp = cls(**config)
        hp._validate()
        return hp

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _validate(self) -> None:
        for row in TABLE:
            if row.values is not None and getattr(self, row.name) not in row.values:
                raise ValueError(f"The value of `{row.name}` is {getattr(self, row.name)!r}, but must be one of "
                                 f"{row.values}")
        if not self.lr > 0:
            raise ValueError(f"The value of `lr` is {self.lr}, but must be `lr > 0`")
        if not int(self.batch_size) >= 1:
            raise ValueError(f"The value of `batch_size` is {self.batch_size}, but must be `batch_size >= 1`")
        if not self.weight_decay >= 0:
            raise ValueError(f"The value of `weight_decay` is {self.weight_decay}, but must be `>= 0`")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"The value of `dropout` is {self.dropout}, but must be `0 <= dropout < 1`")


assert tuple(f.name for f in fields(Hyperparameters)) == NAMES, "Hyperparameters must follow TABLE"


SEED_KEY = "seed"
"""A trial's config may carry this key beside its hyperparameters: the seed it trains with
(repeats of one configuration over seeds); without it, the search's seed."""


@dataclass(frozen=True)
class TrialSettings:
    """How long and how a trial runs; the same for every trial of a search (but its seed, see
    `SEED_KEY`)."""

    max_epochs: int = 10
    seed: int = 0
    precision: str = "auto"

    def __post_init__(self) -> None:
        if self.max_epochs < 1:
            raise ValueError(f"The value of `max_epochs` is {self.max_epochs}, but must be `max_epochs >= 1`")
        if self.precision not in PRECISIONS:
            raise ValueError(f"The value of `precision` is {self.precision!r}, but must be one of {PRECISIONS}")

    def for_trial(self, config: dict[str, Any]) -> tuple[dict[str, Any], "TrialSettings"]:
        """(the config's hyperparameters, these settings with the config's own seed, if it has one)."""
        hyperparameters = {k: v for k, v in config.items() if k != SEED_KEY}
        return hyperparameters, (replace(self, seed=int(config[SEED_KEY])) if SEED_KEY in config else self)
