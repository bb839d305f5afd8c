"""The three CNNs of the study, for 1×48×48 inputs and 7 emotion classes.

- arch1: the PyTorch CIFAR-10 tutorial network with one input channel
  (conv 1→6 5×5, pool, conv 6→16 5×5, pool, fc 120, fc 84, fc 7).
- arch2: three blocks of [conv3×3, conv3×3, maxpool 2] with widths 32, 64, 128
  (48→24→12→6 pixels), then dense 256 → 128 → 7.
- arch3: arch2 with a third conv3×3 (in = out channels) in every block.

Batch-norm (after every conv) and dropout (before every hidden dense layer) are off
by default, as in the study, and open for the wider search.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from trainables.hyperparameters import ACTIVATIONS, ARCHITECTURES

NUM_CLASSES = 7
LAYERS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}
"""The layer behind each of `trainables.hyperparameters.ACTIVATIONS`."""
assert tuple(LAYERS) == ACTIVATIONS
BLOCK_WIDTHS = (32, 64, 128)
DENSE_WIDTHS = (256, 128)


def build_model(arch: str, activation: str = "relu", batch_norm: bool = False, dropout: float = 0.0) -> nn.Module:
    """One of the study's architectures with the given activation and regularisation."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"The architecture is {arch!r}, but must be one of {ARCHITECTURES}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"The activation is {activation!r}, but must be one of {ACTIVATIONS}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"The dropout is {dropout}, but must be 0 <= dropout < 1")
    act = LAYERS[activation]
    if arch == "arch1":
        return LeNet(act, batch_norm, dropout)
    return VggLike(convs_per_block=2 if arch == "arch2" else 3, act=act, batch_norm=batch_norm, dropout=dropout)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _conv(in_ch: int, out_ch: int, kernel: int, act: Callable[[], nn.Module], batch_norm: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2 if kernel == 3 else 0)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_ch))
    return layers + [act()]


def _classifier(in_features: int, hidden: tuple[int, ...], act: Callable[[], nn.Module], dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Flatten()]
    for width in hidden:
        layers += [nn.Linear(in_features, width), act()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_features = width
    return nn.Sequential(*layers, nn.Linear(in_features, NUM_CLASSES))


class LeNet(nn.Module):
    """arch1: 48 → conv5 44 → pool 22 → conv5 18 → pool 9; 16·9·9 = 1296 features."""

    def __init__(self, act: Callable[[], nn.Module], batch_norm: bool, dropout: float):
        super().__init__()
        self.features = nn.Sequential(
            *_conv(1, 6, 5, act, batch_norm), nn.MaxPool2d(2),
            *_conv(6, 16, 5, act, batch_norm), nn.MaxPool2d(2),
        )
        self.classifier = _classifier(16 * 9 * 9, (120, 84), act, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 1, 48, 48) → (B, 7)
        return self.classifier(self.features(x))


class VggLike(nn.Module):
    """arch2 / arch3: three conv blocks (padding 1) halving 48 → 24 → 12 → 6; 128·6·6 = 4608 features."""

    def __init__(self, convs_per_block: int, act: Callable[[], nn.Module], batch_norm: bool, dropout: float):
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = 1
        for width in BLOCK_WIDTHS:
            for _ in range(convs_per_block):
                layers += _conv(in_ch, width, 3, act, batch_norm)
                in_ch = width
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.classifier = _classifier(BLOCK_WIDTHS[-1] * 6 * 6, DENSE_WIDTHS, act, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 1, 48, 48) → (B, 7)
        return self.classifier(self.features(x))
