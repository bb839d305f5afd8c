"""The study's three architectures: shapes and parameter counts."""

from __future__ import annotations

import pytest
import torch

from trainables.models import ACTIVATIONS, ARCHITECTURES, build_model, count_parameters


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_architecture_maps_a_batch_of_faces_to_seven_logits(arch, activation):
    model = build_model(arch, activation, batch_norm=True, dropout=0.25)
    assert model(torch.zeros(3, 1, 48, 48)).shape == (3, 7)


def test_architectures_grow_in_depth_and_parameters():
    counts = [count_parameters(build_model(arch)) for arch in ARCHITECTURES]
    assert counts == sorted(counts)
    assert counts[0] == 168_971  # the CIFAR-10 tutorial net with one input channel and 7 outputs


def test_arch1_is_the_cifar_tutorial_network():
    convs = [m for m in build_model("arch1").modules() if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in build_model("arch1").modules() if isinstance(m, torch.nn.Linear)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [(1, 6, (5, 5)), (6, 16, (5, 5))]
    assert [layer.out_features for layer in linears] == [120, 84, 7]


def test_arch3_adds_one_same_width_conv_per_block():
    def convs(arch):
        return [m for m in build_model(arch).modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs("arch2")) == 6 and len(convs("arch3")) == 9
    extra = [c for c in convs("arch3") if c.in_channels == c.out_channels]
    assert len(extra) >= 3


def test_unknown_architecture_is_rejected():
    with pytest.raises(ValueError, match="architecture is 'arch9'"):
        build_model("arch9")
