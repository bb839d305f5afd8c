"""Training throughput: a typical per-sample DataLoader loop against the project's loop.

Both train the same model at the same batch size on the same images, side by side in one
run, interleaved (typical, project, typical, project, …) over `--repeats` repetitions; the
figures are the medians, so one noisy measurement on a shared machine cannot decide them.
The typical loop is what most scripts do: a Dataset that returns one standardized
sample at a time, `torch.utils.data.DataLoader(shuffle=True)`, fp32. The project's loop
slices batches from one in-memory channels_last tensor and uses bf16 autocast where the
hardware has it (`trainables.loop.train_one_epoch`).

    python -m benchmarks.throughput [--data PATH] [--images N] [--repeats 5]

The last line is `ratio_arch1_bs32=X.XX ratio_arch2_bs32=Y.YY` (project ÷ typical).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from trainables import ARCHITECTURES, Hyperparameters, build_model, load_splits
from trainables.device import local_device, resolve_precision
from trainables.loop import build_optimizer, to_device_tensors, train_one_epoch
from trainables.standardize import Standardizer, fit_standardizer

BATCH_SIZES = (32, 256)


class PerSampleFaces(Dataset):
    """The typical Dataset: standardize and convert one image per `__getitem__`."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, standardizer: Standardizer):
        self.images, self.labels, self.standardizer = images, labels, standardizer

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        image = self.standardizer(self.images[i:i + 1])[0]
        return torch.from_numpy(image).unsqueeze(0), int(self.labels[i])


def typical_loop_images_per_s(arch: str, batch_size: int, images: np.ndarray, labels: np.ndarray,
                              standardizer: Standardizer, device: torch.device) -> float:
    model = build_model(arch).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loader = DataLoader(PerSampleFaces(images, labels, standardizer), batch_size=batch_size, shuffle=True)
    model.train()
    start, seen = time.perf_counter(), 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += len(y)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return seen / (time.perf_counter() - start)


def project_loop_images_per_s(arch: str, batch_size: int, images: np.ndarray, labels: np.ndarray,
                              standardizer: Standardizer, device: torch.device) -> float:
    hp = Hyperparameters(arch=arch, batch_size=batch_size)
    model = build_model(arch).to(device).to(memory_format=torch.channels_last)
    optimizer = build_optimizer(hp, model)
    x, y = to_device_tensors(standardizer(images), labels, device)
    stats = train_one_epoch(model, optimizer, x, y, batch_size, torch.Generator(device=device).manual_seed(0),
                            resolve_precision("auto", device))
    return stats.images / stats.seconds


def machine_description(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU {torch.cuda.get_device_name(device)}, torch {torch.__version__}"
    return (f"CPU {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"torch threads {torch.get_num_threads()}, {torch.backends.cpu.get_cpu_capability()}, "
            f"torch {torch.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="FER2013 path (default $FER2013_PATH, else synthetic)")
    parser.add_argument("--images", type=int, default=None,
                        help="images per measurement (default: 3,000 for arch1, 1,200 for arch2/arch3)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repetitions; medians are reported")
    args = parser.parse_args()
    device = local_device()
    splits = load_splits(args.data)
    standardizer = fit_standardizer("pixel", splits.train_x)
    print(f"machine: {machine_description(device)}; precision of the project loop: "
          f"{resolve_precision('auto', device)}\ndata: {splits.describe()}")
    print(f"medians of {args.repeats} interleaved repetitions")
    print(f"{'arch':<6} {'batch':>5} {'images':>7} {'typical img/s':>14} {'project img/s':>14} {'ratio':>6}")
    ratios = {}
    for arch in ARCHITECTURES:
        n_images = args.images or (3000 if arch == "arch1" else 1200)
        images, labels = splits.train_x[:n_images], splits.train_y[:n_images]
        for batch_size in BATCH_SIZES:
            for measure in (typical_loop_images_per_s, project_loop_images_per_s):  # warm-up
                measure(arch, batch_size, images[:2 * batch_size], labels[:2 * batch_size], standardizer, device)
            typicals, projects = [], []
            for _ in range(args.repeats):
                typicals.append(typical_loop_images_per_s(arch, batch_size, images, labels, standardizer, device))
                projects.append(project_loop_images_per_s(arch, batch_size, images, labels, standardizer, device))
            typical, project = statistics.median(typicals), statistics.median(projects)
            ratios[(arch, batch_size)] = statistics.median(p / t for p, t in zip(projects, typicals))
            print(f"{arch:<6} {batch_size:>5} {n_images:>7} {typical:>14.0f} {project:>14.0f} "
                  f"{ratios[(arch, batch_size)]:>6.2f}", flush=True)
    print(f"ratio_arch1_bs32={ratios[('arch1', 32)]:.2f} ratio_arch2_bs32={ratios[('arch2', 32)]:.2f}")


if __name__ == "__main__":
    main()
