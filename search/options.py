"""The command line of `python -m search.run`: flags, their defaults, and validation at the door.

Bad input gives one clear line and exit status 2 (`UsageError`), and never touches what
is already on disk.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import NoReturn

import optuna

from search.tuner import SAMPLERS, SCHEDULERS, SearchOptions
from spaces import SPACES
from trainables.hyperparameters import PRECISIONS


class UsageError(ValueError):
    """A bad flag or flag combination; its message is one line."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m search.run",
        description="Search CNN hyperparameters for FER2013 with Ray Tune, Optuna TPE and ASHA.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--space", default="full", help=f"named search space: {', '.join(SPACES)}")
    parser.add_argument("--list-spaces", action="store_true", help="print every space with its dimensions and exit")
    parser.add_argument("--data", default=None,
                        help="FER2013 image folders or CSV; default $FER2013_PATH, else built-in synthetic faces")
    parser.add_argument("--samples", type=int, default=None, help="trials to run (default: the space's; grid size)")
    parser.add_argument("--max-epochs", type=int, default=None, help="epochs of a full trial (default: the space's)")
    parser.add_argument("--grace-epochs", type=int, default=None, help="ASHA grace period in epochs (default: the space's)")
    parser.add_argument("--reduction-factor", type=int, default=3, help="ASHA reduction factor")
    parser.add_argument("--sampler", default="tpe", choices=SAMPLERS,
                        help="how trials are proposed (grid spaces always use their grid)")
    parser.add_argument("--scheduler", default="halving", choices=SCHEDULERS,
                        help="early stopping: the project's successive halving (ties broken by validation loss), "
                             "Ray's stock ASHA on val_acc, or none")
    parser.add_argument("--no-reuse", action="store_true",
                        help="train a configuration again even if a finished trial already trained it")
    parser.add_argument("--cpus-per-trial", type=float, default=1.0, help="CPUs per trial (torch threads)")
    parser.add_argument("--gpus-per-trial", type=float, default=0.0, help="GPUs per trial; fractions pack small models")
    parser.add_argument("--max-concurrent", type=int, default=None, help="trials at once (default: as resources allow)")
    parser.add_argument("--train-subset", type=int, default=None,
                        help="train on N training images, stratified (default: the space's, else all)")
    parser.add_argument("--output", default="results", help="folder that holds one folder per experiment")
    parser.add_argument("--name", default=None, help="experiment name (default: <space>-<date>-<time>)")
    parser.add_argument("--storage", default=None, help="Optuna storage URL (default: sqlite:///<output>/<name>/optuna.db)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the sampler, subsets and training")
    parser.add_argument("--time-budget-s", type=float, default=None,
                        help="stop starting and running trials after S seconds (default: the space's, if any)")
    parser.add_argument("--precision", default="auto", choices=PRECISIONS,
                        help="bf16 autocast where the hardware has it (auto), or force fp32 / bf16")
    return parser


def resolve_options(args: argparse.Namespace) -> SearchOptions:
    """Flags plus the space's defaults, validated; raises UsageError with one line."""
    if args.space not in SPACES:
        raise UsageError(f"unknown space {args.space!r}; known spaces: {', '.join(SPACES)} (see --list-spaces)")
    space = SPACES[args.space]
    samples = _default(args.samples, space.default_samples())
    max_epochs = _default(args.max_epochs, space.max_epochs)
    grace = _default(args.grace_epochs, min(space.grace_epochs, max_epochs))
    _require(samples >= 1, f"--samples is {samples}, but must be at least 1")
    if space.grid:
        _require(samples <= space.grid_size(),
                 f"--samples is {samples}, but the grid of space {space.name!r} has {space.grid_size()} points")
    _require(max_epochs >= 1, f"--max-epochs is {max_epochs}, but must be at least 1")
    _require(1 <= grace <= max_epochs, f"--grace-epochs is {grace}, but must be in 1..--max-epochs ({max_epochs})")
    _require(args.reduction_factor >= 2, f"--reduction-factor is {args.reduction_factor}, but must be at least 2")
    _require(args.cpus_per_trial > 0, f"--cpus-per-trial is {args.cpus_per_trial:g}, but must be > 0")
    _require(args.gpus_per_trial >= 0, f"--gpus-per-trial is {args.gpus_per_trial:g}, but must be >= 0")
    _require(args.max_concurrent is None or args.max_concurrent >= 1,
             f"--max-concurrent is {args.max_concurrent}, but must be at least 1")
    _require(args.train_subset is None or args.train_subset >= 7,
             f"--train-subset is {args.train_subset}, but must be at least 7 (one image per class)")
    _require(args.time_budget_s is None or args.time_budget_s > 0,
             f"--time-budget-s is {args.time_budget_s}, but must be > 0")
    time_budget_s = args.time_budget_s if args.time_budget_s is not None else space.time_budget_s
    name = args.name or f"{space.name}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    _require(bool(name) and "/" not in name and name not in (".", ".."), f"--name {name!r} is not a folder name")
    experiment_dir = Path(args.output) / name
    _require(not experiment_dir.exists(),
             f"{experiment_dir} already exists; choose another --name (nothing was changed)")
    storage_url = args.storage or f"sqlite:///{experiment_dir}/optuna.db"
    if args.storage:
        _require_new_study(storage_url, name)
    return SearchOptions(
        space=space, experiment_dir=experiment_dir, storage_url=storage_url, study_name=name, samples=samples,
        max_epochs=max_epochs, grace_epochs=grace, reduction_factor=args.reduction_factor,
        cpus_per_trial=args.cpus_per_trial, gpus_per_trial=args.gpus_per_trial,
        max_concurrent=args.max_concurrent, seed=args.seed, time_budget_s=time_budget_s,
        precision=args.precision, sampler=args.sampler, scheduler=args.scheduler, reuse=not args.no_reuse,
    )


def train_subset(args: argparse.Namespace) -> int | None:
    return _default(args.train_subset, SPACES[args.space].train_subset)


def _require_new_study(storage_url: str, study_name: str) -> None:
    try:
        existing = optuna.get_all_study_names(storage=storage_url)
    except Exception as exc:  # any driver or connection error is a bad --storage
        raise UsageError(f"--storage {storage_url}: cannot open ({type(exc).__name__}: {str(exc).splitlines()[0]})")
    _require(study_name not in existing,
             f"--storage already holds a study named {study_name!r}; choose another --name (nothing was changed)")


def _default(value: int | None, fallback: int) -> int:
    return fallback if value is None else value


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise UsageError(message)
