"""Where a trial trains and in what precision: decisions as pure functions of what Ray
assigned and what the hardware reports, so they can be tested on any machine.

A trial trains on a GPU exactly when Ray gave it one. Ray leaves `CUDA_VISIBLE_DEVICES`
alone for a trial that asked for 0 GPUs, so "CUDA is visible" would put every such trial on
`cuda:0`, outside Ray's accounting; the trial asks `ray.get_gpu_ids()` instead. Precision
`auto` is bf16 where the hardware computes it natively (CUDA compute capability 8.0 and up;
CPUs with AVX-512 BF16 or AMX), fp16 with a gradient scaler on older CUDA cards (T4, V100:
`torch.cuda.is_bf16_supported()` says yes there too, but emulates it slowly), else fp32.
"""

from __future__ import annotations

from functools import cache

import torch

NATIVE_BF16_CAPABILITY = (8, 0)
EVAL_BATCH = {"cpu": 64, "cuda": 2048}
"""Validation batch by device: small batches keep a CPU's caches warm (3,589 images with one
thread: arch2 2.2 s at 64 against 5.6 s at 1,024); a GPU wants few, large launches."""


def training_device(gpu_ids: list, cuda_available: bool) -> torch.device:
    """CUDA when Ray assigned this trial a GPU and CUDA is there, else the CPU.

    Ray sets `CUDA_VISIBLE_DEVICES` to the assigned GPUs, so the first visible one is ours
    (a fractional GPU is one id shared with other trials).
    """
    return torch.device("cuda:0" if gpu_ids and cuda_available else "cpu")


def local_device() -> torch.device:
    """Outside Ray (tests, the final test pass on the head): CUDA if present, else the CPU."""
    return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")


def auto_precision(device_type: str, capability: tuple[int, int] | None, cpu_bf16: bool) -> str:
    """What `--precision auto` means on this hardware (see the module docstring)."""
    if device_type == "cuda":
        return "bf16" if capability is not None and capability >= NATIVE_BF16_CAPABILITY else "fp16"
    return "bf16" if cpu_bf16 else "fp32"


def resolve_precision(requested: str, device: torch.device) -> str:
    """`requested`, or for `auto` what this device computes natively; fp16 only on CUDA."""
    if requested == "fp16" and device.type != "cuda":
        return "fp32"  # CPUs have no fast fp16 training path; autocast would emulate it
    if requested != "auto":
        return requested
    capability = torch.cuda.get_device_capability(device) if device.type == "cuda" else None
    return auto_precision(device.type, capability, cpu_has_native_bf16())


@cache
def cpu_has_native_bf16() -> bool:
    """True on CPUs whose flags include AVX-512 BF16 or AMX-BF16 (Linux /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = info.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def describe_device(device: torch.device) -> str:
    """`cpu`, or `cuda` with the card's name, as recorded for each trial."""
    return f"cuda ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "cpu"


def eval_batch(device: torch.device) -> int:
    return EVAL_BATCH.get(device.type, EVAL_BATCH["cpu"])


def configure_backends(device: torch.device) -> None:
    """Fixed 48×48 inputs suit cuDNN's autotuner; TF32 matmuls where fp32 remains."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.set_float32_matmul_precision("high")
