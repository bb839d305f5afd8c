"""Where a trial trains and in what precision, decided from what Ray assigned and what the
hardware reports (trainables/device.py); checked here without a GPU."""

from __future__ import annotations

import pytest
import ray
import torch

from trainables.device import auto_precision, eval_batch, resolve_precision, training_device
from trainables.loop import augment_batch


def test_a_trial_trains_on_cuda_only_when_ray_gave_it_a_gpu():
    assert training_device([], cuda_available=True) == torch.device("cpu")  # CUDA visible, none assigned
    assert training_device(["0"], cuda_available=True) == torch.device("cuda:0")
    assert training_device(["0"], cuda_available=False) == torch.device("cpu")  # a GPU node without CUDA torch


@pytest.mark.parametrize(("device", "capability", "cpu_bf16", "expected"), [
    ("cuda", (9, 0), False, "bf16"),   # H100, H200
    ("cuda", (8, 0), False, "bf16"),   # A100
    ("cuda", (8, 6), False, "bf16"),   # A10G
    ("cuda", (7, 5), True, "fp16"),    # T4: bf16 only emulated
    ("cuda", (7, 0), False, "fp16"),   # V100
    ("cpu", None, True, "bf16"),       # AVX-512 BF16 / AMX
    ("cpu", None, False, "fp32"),
])
def test_auto_precision_is_native_bf16_else_fp16_on_cuda_else_fp32(device, capability, cpu_bf16, expected):
    assert auto_precision(device, capability, cpu_bf16) == expected


def test_fp16_is_refused_on_a_cpu_and_an_explicit_choice_is_kept():
    cpu = torch.device("cpu")
    assert resolve_precision("fp16", cpu) == "fp32"
    assert resolve_precision("bf16", cpu) == "bf16" and resolve_precision("fp32", cpu) == "fp32"


def test_evaluation_batches_are_small_on_a_cpu_and_large_on_a_gpu():
    assert eval_batch(torch.device("cpu")) == 64
    assert eval_batch(torch.device("cuda:0")) >= 1024


def test_augmentation_draws_on_the_generator_device_and_repeats_with_its_seed():
    x = torch.arange(4 * 48 * 48, dtype=torch.float32).reshape(4, 1, 48, 48)
    first = augment_batch(x, "flip_shift", torch.Generator(device="cpu").manual_seed(1))
    again = augment_batch(x, "flip_shift", torch.Generator(device="cpu").manual_seed(1))
    assert first.shape == x.shape and torch.equal(first, again)


@pytest.fixture(scope="module")
def fake_gpu_cluster():
    """A local Ray cluster that declares one GPU (none is there), as a GPU node would."""
    ray.init(address="local", num_cpus=2, num_gpus=1, include_dashboard=False, logging_level="ERROR")
    yield
    ray.shutdown()


def test_on_a_gpu_node_a_zero_gpu_trial_never_selects_cuda(fake_gpu_cluster):
    @ray.remote
    def decide() -> tuple[list, str]:
        ids = ray.get_gpu_ids()  # what train_fer asks, on a node where CUDA would be visible
        return ids, str(training_device(ids, cuda_available=True))

    assert ray.get(decide.options(num_gpus=0).remote()) == ([], "cpu")
    ids, device = ray.get(decide.options(num_gpus=0.25).remote())  # packed: a quarter of the GPU
    assert len(ids) == 1 and device == "cuda:0"


def test_a_gpu_short_of_memory_gives_back_the_kept_inputs_and_builds_once_more(small_synthetic, monkeypatch):
    from trainables import trainable

    kept = {("another", 1, 1, "pixel", "cuda:0"): "a copy"}
    monkeypatch.setattr(trainable, "_PREPARED", dict(kept))
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)  # no CUDA here to empty
    calls = []
    real_prepare = trainable._prepare

    def prepare_once_short(splits, kind, device):
        calls.append(len(trainable._PREPARED))
        if len(calls) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real_prepare(splits, kind, device)

    monkeypatch.setattr(trainable, "_prepare", prepare_once_short)
    standardizer, (train_x, _), _ = trainable.prepared_inputs(small_synthetic, "none", torch.device("cpu"))
    assert calls == [1, 0]  # the first try met the kept copy, the second an emptied cache
    assert list(trainable._PREPARED) != list(kept) and train_x.shape[0] == len(small_synthetic.train_y)
