"""The training loop: batches sliced from in-memory tensors, no per-sample Python.

Speed comes from doing less per step: the whole split is one standardized tensor on the
training device (channels_last), a batch is an index slice of it, and bf16 autocast is on
where the hardware computes bf16 natively (CUDA, or CPUs with AVX-512 BF16 / AMX).
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from trainables.device import eval_batch
from trainables.hyperparameters import Hyperparameters

MAX_SHIFT = 3  # pixels, for the flip_shift augmentation
DIVERGENCE_CHECK_EVERY = 20  # steps; a host sync that costs little and stops NaN epochs early


@dataclass(frozen=True)
class EpochStats:
    loss: float
    accuracy: float
    seconds: float
    images: int
    diverged: bool


def to_device_tensors(images: np.ndarray, labels: np.ndarray, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 48, 48) float32 images → (N, 1, 48, 48) channels_last tensor on `device`, with labels."""
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).unsqueeze(1)
    x = x.to(device).contiguous(memory_format=torch.channels_last)
    return x, torch.from_numpy(labels.astype(np.int64)).to(device)


def build_optimizer(hp: Hyperparameters, model: nn.Module) -> torch.optim.Optimizer:
    params, lr, wd = model.parameters(), hp.lr, hp.weight_decay
    if hp.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    momentum = 0.0 if hp.optimizer == "sgd" else 0.9
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=wd, nesterov=hp.optimizer == "sgd_nesterov")


def build_lr_scheduler(hp: Hyperparameters, optimizer: torch.optim.Optimizer, max_epochs: int) -> torch.optim.lr_scheduler.LRScheduler:
    """Stepped once per epoch; `cosine` anneals to zero over `max_epochs`."""
    if hp.lr_schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max_epochs)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)


def autocast(precision: str, device: torch.device):
    if precision in AUTOCAST_TYPES:
        return torch.autocast(device_type=device.type, dtype=AUTOCAST_TYPES[precision])
    return nullcontext()


AUTOCAST_TYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def augment_batch(x: torch.Tensor, kind: str, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal flips (`flip`) and per-image shifts of up to 3 pixels (`flip_shift`).

    The random numbers are drawn by `generator` on the training device (no copy per step)."""
    if kind == "none":
        return x
    n = x.shape[0]
    flip = (torch.rand(n, generator=generator, device=generator.device) < 0.5).view(n, 1, 1, 1)
    x = torch.where(flip, x.flip(-1), x)
    if kind == "flip_shift":
        size = x.shape[-1]
        offsets = torch.randint(0, 2 * MAX_SHIFT + 1, (2, n), generator=generator, device=generator.device)
        grid = torch.arange(size, device=x.device)
        rows = (offsets[0, :, None] + grid)[:, :, None]  # (n, size, 1)
        cols = (offsets[1, :, None] + grid)[:, None, :]  # (n, 1, size)
        padded = F.pad(x, (MAX_SHIFT,) * 4, mode="replicate")
        x = padded[torch.arange(n, device=x.device)[:, None, None], 0, rows, cols].unsqueeze(1)
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def train_one_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
                    batch_size: int, generator: torch.Generator, precision: str, augment: str = "none") -> EpochStats:
    """One pass over (x, y) in a random order drawn from `generator`; stops early on a non-finite loss."""
    model.train()
    start = time.perf_counter()
    order = torch.randperm(len(y), generator=generator, device=generator.device)
    scaler = torch.amp.GradScaler(x.device.type, enabled=precision == "fp16")
    loss_sum = torch.zeros((), device=x.device)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    seen = 0
    diverged = False
    for step, first in enumerate(range(0, len(y), batch_size)):
        idx = order[first:first + batch_size]
        xb, yb = augment_batch(x[idx], augment, generator), y[idx]
        with autocast(precision, x.device):
            logits = model(xb)
            loss = F.cross_entropy(logits.float(), yb)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()  # fp16 only: bf16 and fp32 gradients need no scaling
        scaler.step(optimizer)
        scaler.update()
        loss_sum += loss.detach() * len(yb)
        correct += (logits.argmax(1) == yb).sum()
        seen += len(yb)
        if step % DIVERGENCE_CHECK_EVERY == 0 and not torch.isfinite(loss_sum):
            diverged = True
            break
    mean_loss = (loss_sum / max(seen, 1)).item()
    diverged = diverged or not np.isfinite(mean_loss)
    _synchronize(x.device)
    return EpochStats(mean_loss, correct.item() / max(seen, 1), time.perf_counter() - start, seen, diverged)


@torch.inference_mode()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, precision: str) -> tuple[float, float, torch.Tensor]:
    """(mean cross-entropy, accuracy, class probabilities (N, 7)) over a whole split, summed on the
    device and read once; the probabilities are what ensemble selection averages later, kept so
    that it needs no second pass."""
    model.eval()
    step = eval_batch(x.device)
    loss_sum = torch.zeros((), device=x.device)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    probabilities = []
    for first in range(0, len(y), step):
        xb, yb = x[first:first + step], y[first:first + step]
        with autocast(precision, x.device):
            logits = model(xb).float()
        loss_sum += F.cross_entropy(logits, yb, reduction="sum")
        correct += (logits.argmax(1) == yb).sum()
        probabilities.append(F.softmax(logits, dim=1))
    return loss_sum.item() / len(y), correct.item() / len(y), torch.cat(probabilities)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
