"""The command line of `python -m search.run`: flags, their defaults, and validation at the door.

Bad input gives one clear line and exit status 2 (`UsageError`), and never touches what
is already on disk. Every flag defaults to None in the parser, so that what the user typed
can be told from a default (`given_flags`): `--resume` refuses flags that would change the
recorded search.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import optuna

from search.final.selection import DEFAULT_ROUNDS
from spaces import SPACES, SearchSpace
from spaces.files import SpaceFileError, is_space_file, space_from_file
from trainables.hyperparameters import PRECISIONS

OBJECTIVES = {"accuracy": ("val_acc", "max"), "pareto": (["val_acc", "train_time_s"], ["max", "min"])}
"""What each `--objective` optimises: Tune's metric and mode (one, or two for the front)."""
SAMPLERS = ("tpe", "random")
SCHEDULERS = ("halving", "ray-asha", "none")

DEFAULTS: dict[str, Any] = {
    "space": "full", "reduction_factor": 3, "cpus_per_trial": 1.0, "gpus_per_trial": 0.0, "output": "results",
    "seed": 0, "precision": "auto", "sampler": "tpe", "scheduler": "halving", "objective": "accuracy",
    "max_failures": 20, "max_wait_s": 1800.0, "final_members": 2, "ensemble_rounds": DEFAULT_ROUNDS,
}


@dataclass(frozen=True)
class SearchOptions:
    """One search, fully resolved from the command line and the space's defaults."""

    space: SearchSpace
    experiment_dir: Path
    storage_url: str
    study_name: str
    samples: int
    max_epochs: int
    grace_epochs: int
    reduction_factor: int
    cpus_per_trial: float
    gpus_per_trial: float
    max_concurrent: int | None
    seed: int
    time_budget_s: float | None
    precision: str
    sampler: str = "tpe"
    scheduler: str = "halving"
    reuse: bool = True
    storage_path: str | None = None  # Ray Tune's trial storage; None: the experiment folder
    objective: str = "accuracy"
    max_train_time_s: float | None = None
    max_failures: int = DEFAULTS["max_failures"]  # node or worker losses a trial survives
    max_wait_s: float | None = DEFAULTS["max_wait_s"]  # seconds with trials waiting and none running; None: no limit
    final_epochs: int | None = None  # a final training of this many epochs after the search
    final_budget_s: float | None = None  # a final training of as many epochs as fit this many seconds
    final_members: int = DEFAULTS["final_members"]  # configurations the final training trains again
    ensemble_rounds: int = DEFAULTS["ensemble_rounds"]  # rounds of ensemble selection for the deliverable (0: none)

    @property
    def final_training(self) -> bool:
        return self.final_epochs is not None or self.final_budget_s is not None


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
        description="Search CNN hyperparameters for FER2013 with Ray Tune, Optuna TPE and early stopping.",
    )
    add = parser.add_argument
    add("--space", help=f"named search space ({', '.join(SPACES)}) or a space file, PATH.yaml or PATH.json "
                        "(see the README; default: full)")
    add("--list-spaces", action="store_true", help="print every space with its dimensions and exit")
    add("--print-space", action="store_true",
        help="print the --space as a YAML file to start your own from (> my.yaml), and exit")
    add("--resume", metavar="EXPERIMENT_DIR",
        help="continue an interrupted experiment with the settings it recorded; takes no other flag")
    add("--data", help="FER2013 image folders or CSV (default: $FER2013_PATH, else built-in synthetic faces)")
    add("--samples", type=int, help="trials to run (default: the space's; a grid space: its size)")
    add("--max-epochs", type=int, help="epochs of a full trial (default: the space's)")
    add("--grace-epochs", type=int, help="first early-stopping rung, in epochs (default: the space's)")
    add("--reduction-factor", type=int, help="early stopping keeps the top 1/η at each rung (default: 3)")
    add("--objective", choices=tuple(OBJECTIVES),
        help="accuracy: maximise validation accuracy, for the most accurate model; pareto: maximise it and "
             "minimise the training time of a full run together, to see the whole accuracy-time trade-off (in "
             "the simulator its front is 1.03x the accuracy search's, better at the fast end; every report "
             "already lists the best full run within each quartile of the training times). For one known "
             "limit, pass the limit instead (--max-train-time-s) (default: accuracy)")
    add("--max-train-time-s", type=float,
        help="ask for the most accurate model whose full run trains in at most this many seconds: TPE treats "
             "slower configurations as infeasible and they stop as soon as their epoch times show it (in the "
             "simulator +8 points over the accuracy search's best full run under the same limit, at the 25th "
             "percentile of full-run times). Trials get short: raise the trial count (--samples) (default: no limit)")
    add("--sampler", choices=SAMPLERS, help="how trials are proposed; grid spaces use their grid (default: tpe)")
    add("--scheduler", choices=SCHEDULERS,
        help="early stopping: the project's successive halving (ranks on the lowest validation loss so far), "
             "Ray's stock ASHA on val_acc, or none (default: halving)")
    add("--no-reuse", action="store_true",
        help="train a configuration again even if a finished trial already trained it")
    add("--cpus-per-trial", type=float, help="CPUs per trial, also torch's threads (default: 1)")
    add("--gpus-per-trial", type=float, help="GPUs per trial; fractions pack small models on one GPU (default: 0)")
    add("--max-concurrent", type=int, help="trials at once (default: as many as resources allow)")
    add("--train-subset", type=int, help="train on N training images, stratified (default: the space's, else all)")
    add("--output", help="folder that holds one folder per experiment (default: results)")
    add("--name", help="experiment name (default: <space>-<date>-<time>)")
    add("--storage", help="Optuna storage URL (default: sqlite:///<output>/<name>/optuna.db)")
    add("--storage-path",
        help="Ray Tune's trial and checkpoint storage: a folder every node can reach, s3://… or gs://… "
             "(default: <output>/<name>/ray)")
    add("--seed", type=int, help="seed for the sampler, subsets and training (default: 0)")
    add("--time-budget-s", type=float,
        help="stop starting and running trials after S seconds (default: the space's, if any)")
    add("--final-epochs", type=int,
        help="after the search, train its --final-members best configurations again from scratch on all the "
             "training images for N epochs, each with its lr schedule stretched to them (default: no final "
             "training; python -m search.final does it later, and by default until the search's curves flatten)")
    add("--final-budget-s", type=float,
        help="as --final-epochs, with as many epochs as fit S seconds, from the search's measured seconds per "
             "epoch scaled to all the training images")
    add("--final-members", type=int,
        help="configurations the final training trains again, side by side, each with --cpus-per-trial "
             f"(default: {DEFAULTS['final_members']}, both cores of a 2-core machine)")
    add("--ensemble-rounds", type=int,
        help="rounds of ensemble selection (Caruana et al. 2004) over the kept checkpoints and final models, "
             f"on validation; 0: the deliverable is one model (default: {DEFAULTS['ensemble_rounds']})")
    add("--max-failures", type=int,
        help="times a trial may lose its node or worker (spot preemption, a reboot, out of memory) and resume "
             "from its last epoch's checkpoint before it is failed; an exception raised by the training itself "
             f"fails the trial at once, never retried (default: {DEFAULTS['max_failures']})")
    add("--max-wait-s", type=float,
        help="end the search (exit status 2, results so far written) when its trials have waited this long "
             "for resources with none of them running, e.g. GPU trials on a cluster whose GPU nodes are gone; "
             f"0 waits forever (default: {DEFAULTS['max_wait_s']:g}, time for an autoscaler to start a node)")
    add("--precision", choices=PRECISIONS,
        help="auto: bf16 autocast where the hardware computes it natively (CUDA compute capability 8.0+, "
             "CPUs with AVX-512 BF16), fp16 with a gradient scaler on older CUDA cards, else fp32; or force "
             "fp32 / bf16 / fp16 (fp16 is CUDA only) (default: auto)")
    return parser


def given_flags(args: argparse.Namespace) -> list[str]:
    """The flags the user typed, as `--flag-name`."""
    return [f"--{name.replace('_', '-')}" for name, value in vars(args).items()
            if value not in (None, False) and name not in ("resume", "list_spaces", "print_space")]


def with_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """The parsed flags with the documented defaults filled in where none was typed."""
    values = vars(args).copy()
    values.update({k: v for k, v in DEFAULTS.items() if values.get(k) is None})
    return argparse.Namespace(**values)


def resolve_options(args: argparse.Namespace) -> SearchOptions:
    """Flags plus the space's defaults, validated; raises UsageError with one line."""
    args = with_defaults(args)
    space = load_space(args.space)
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
    _require(args.max_train_time_s is None or args.max_train_time_s > 0,
             f"--max-train-time-s is {args.max_train_time_s}, but must be > 0")
    _require(args.final_epochs is None or args.final_epochs >= 1,
             f"--final-epochs is {args.final_epochs}, but must be at least 1")
    _require(args.final_budget_s is None or args.final_budget_s > 0,
             f"--final-budget-s is {args.final_budget_s}, but must be > 0")
    _require(args.final_epochs is None or args.final_budget_s is None,
             "--final-epochs and --final-budget-s both set the final training's length; give one")
    _require(args.final_members >= 1, f"--final-members is {args.final_members}, but must be at least 1")
    _require(args.ensemble_rounds >= 0, f"--ensemble-rounds is {args.ensemble_rounds}, but must be >= 0")
    _require(args.max_failures >= 0, f"--max-failures is {args.max_failures}, but must be >= 0")
    _require(args.max_wait_s >= 0, f"--max-wait-s is {args.max_wait_s:g}, but must be >= 0 (0 waits forever)")
    time_budget_s = args.time_budget_s if args.time_budget_s is not None else space.time_budget_s
    name = args.name or f"{space.name}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    _require(bool(name) and "/" not in name and name not in (".", ".."), f"--name {name!r} is not a folder name")
    output = Path(args.output).expanduser()
    experiment_dir = (output / name).absolute()
    _require(not experiment_dir.exists(),
             f"{output / name} already exists; choose another --name (nothing was changed)")
    _require_writable(output)
    storage_url = args.storage or f"sqlite:///{experiment_dir}/optuna.db"
    if args.storage:
        _require_new_study(storage_url, name)
    return SearchOptions(
        space=space, experiment_dir=experiment_dir, storage_url=storage_url, study_name=name, samples=samples,
        max_epochs=max_epochs, grace_epochs=grace, reduction_factor=args.reduction_factor,
        cpus_per_trial=args.cpus_per_trial, gpus_per_trial=args.gpus_per_trial,
        max_concurrent=args.max_concurrent, seed=args.seed, time_budget_s=time_budget_s,
        precision=args.precision, sampler=args.sampler, scheduler=args.scheduler, reuse=not args.no_reuse,
        storage_path=args.storage_path, objective=args.objective, max_train_time_s=args.max_train_time_s,
        max_failures=args.max_failures, max_wait_s=args.max_wait_s or None,
        final_epochs=args.final_epochs, final_budget_s=args.final_budget_s, final_members=args.final_members,
        ensemble_rounds=args.ensemble_rounds,
    )


def load_space(name_or_file: str) -> SearchSpace:
    """A named space, or the space a YAML or JSON file declares; UsageError with one line."""
    if is_space_file(name_or_file):
        try:
            return space_from_file(name_or_file, SPACES)
        except SpaceFileError as exc:
            raise UsageError(str(exc)) from None
    if name_or_file not in SPACES:
        raise UsageError(f"unknown space {name_or_file!r}; known spaces: {', '.join(SPACES)}, or a space file "
                         "PATH.yaml / PATH.json (see --list-spaces)")
    return SPACES[name_or_file]


def train_subset(args: argparse.Namespace, space: SearchSpace) -> int | None:
    return _default(args.train_subset, space.train_subset)


def _require_writable(output: Path) -> None:
    """The output folder, or the nearest folder above it that exists, takes a new file."""
    existing = output
    while not existing.exists():
        existing = existing.parent
    _require(existing.is_dir(), f"--output {output}: {existing} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise UsageError(f"--output {output}: cannot write in {existing} ({exc.strerror or exc})") from None
    _require(os.access(existing, os.W_OK | os.X_OK), f"--output {output}: cannot write in {existing}")


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
