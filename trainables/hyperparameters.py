"""What one trial trains: the hyperparameters a search varies, defaulting to the study's setup."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from trainables.standardize import STANDARDIZATIONS

ARCHITECTURES = ("arch1", "arch2", "arch3")
ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "silu")
OPTIMIZERS = ("sgd", "sgd_momentum", "sgd_nesterov", "adamw")
AUGMENTATIONS = ("none", "flip", "flip_shift")
LR_SCHEDULES = ("constant", "cosine")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")


@dataclass(frozen=True)
class Hyperparameters:
    """Defaults are the study's own: arch1, plain SGD, batch 256, lr 0.01, ReLU, raw 0–255 pixels."""

    arch: str = "arch1"
    lr: float = 0.01
    batch_size: int = 256
    activation: str = "relu"
    standardize: str = "raw"
    optimizer: str = "sgd"
    weight_decay: float = 0.0
    batch_norm: bool = False
    dropout: float = 0.0
    augment: str = "none"
    lr_schedule: str = "constant"

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Hyperparameters":
        """Build from a (possibly partial) search config; unknown keys and values are errors."""
        unknown = set(config) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"Unknown hyperparameters {sorted(unknown)}; known: {[f.name for f in fields(cls)]}")
        hp = cls(**config)
        hp._validate()
        return hp

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _validate(self) -> None:
        for name, allowed in (("arch", ARCHITECTURES), ("activation", ACTIVATIONS),
                              ("standardize", STANDARDIZATIONS), ("optimizer", OPTIMIZERS),
                              ("augment", AUGMENTATIONS), ("lr_schedule", LR_SCHEDULES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"The value of `{name}` is {getattr(self, name)!r}, but must be one of {allowed}")
        if not self.lr > 0:
            raise ValueError(f"The value of `lr` is {self.lr}, but must be `lr > 0`")
        if not int(self.batch_size) >= 1:
            raise ValueError(f"The value of `batch_size` is {self.batch_size}, but must be `batch_size >= 1`")
        if not self.weight_decay >= 0:
            raise ValueError(f"The value of `weight_decay` is {self.weight_decay}, but must be `>= 0`")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"The value of `dropout` is {self.dropout}, but must be `0 <= dropout < 1`")


@dataclass(frozen=True)
class TrialSettings:
    """How long and how a trial runs; the same for every trial of a search."""

    max_epochs: int = 10
    seed: int = 0
    precision: str = "auto"

    def __post_init__(self) -> None:
        if self.max_epochs < 1:
            raise ValueError(f"The value of `max_epochs` is {self.max_epochs}, but must be `max_epochs >= 1`")
        if self.precision not in PRECISIONS:
            raise ValueError(f"The value of `precision` is {self.precision!r}, but must be one of {PRECISIONS}")
