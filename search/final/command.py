"""`python -m search.final EXPERIMENT_DIR`: train a finished search's best configurations again at
full fidelity — all the training images, more epochs — and write the model a user gets to `best/`.

Run on a finished experiment (or by `python -m search.run --final-epochs/--final-budget-s` right
after its search), it plans the members (`recipe`), records the plan in `final/final.json`,
trains them through Ray Tune (`training`), then decides search best → final training → flip →
ensemble on validation and tests them once (`deliverable`), updating `summary.json` and the
report. Run again on an experiment whose final training was interrupted, it resumes it. Bad input
is one line on stderr and exit status 2, with nothing on disk changed.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiment.files import EPOCHS_FILE, SUMMARY_FILE, TRIALS_FILE, write_json_atomically
from experiment.schema import FINAL, FINISHED, INTERRUPTED
from search import interruption
from search.final.plan import FinalPlan, finished, read_plan, with_status, write_plan
from search.final.recipe import RecipeError, best_configurations, plan_members
from search.options import DEFAULTS, OneLineParser, UsageError
from search.record import RecordedSearch, RecordError, load_record, status_of
from trainables import DataError, Splits


@dataclass(frozen=True)
class FinalRequest:
    """What the user asked of the final training (epochs or a time budget, or neither: the default
    rule), checked at the door."""

    epochs: int | None = None
    budget_s: float | None = None
    members: int = DEFAULTS["final_members"]
    ensemble_rounds: int = DEFAULTS["ensemble_rounds"]

    def __post_init__(self) -> None:
        if self.epochs is not None and self.epochs < 1:
            raise UsageError(f"--epochs is {self.epochs}, but must be at least 1")
        if self.budget_s is not None and not self.budget_s > 0:
            raise UsageError(f"--budget-s is {self.budget_s:g}, but must be > 0")
        if self.epochs is not None and self.budget_s is not None:
            raise UsageError("--epochs and --budget-s both set the final training's length; give one")
        if self.members < 0:
            raise UsageError(f"--members is {self.members}, but must be at least 0 (0: no final training)")
        if self.members == 0 and (self.epochs is not None or self.budget_s is not None):
            raise UsageError("--members 0 trains nothing; leave out --epochs and --budget-s")
        if self.ensemble_rounds < 0:
            raise UsageError(f"--ensemble-rounds is {self.ensemble_rounds}, but must be >= 0")


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog="python -m search.final",
                           description="Train a finished search's best configurations again on all the training "
                                       "images, then write the deliverable (flip, ensemble) to best/.")
    add = parser.add_argument
    add("experiment", type=Path, help="experiment folder written by python -m search.run")
    add("--epochs", type=int, help="epochs of each final training (default: until the learning curves the "
                                   "search recorded flatten; see the README)")
    add("--budget-s", type=float, help="as many epochs as fit S seconds instead, from the search's measured "
                                       "seconds per epoch scaled to all the training images")
    add("--members", type=int, default=DEFAULTS["final_members"],
        help="the search's best distinct configurations to train again, side by side, each with the search's "
             "--cpus-per-trial; 0: no final training, only the deliverable (flip, ensemble) from the search's "
             "own checkpoints, e.g. for an experiment written before they existed "
             f"(default: {DEFAULTS['final_members']})")
    add("--ensemble-rounds", type=int, default=DEFAULTS["ensemble_rounds"],
        help=f"rounds of ensemble selection on validation; 0: one model (default: {DEFAULTS['ensemble_rounds']})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        request = FinalRequest(args.epochs, args.budget_s, args.members, args.ensemble_rounds)
        record = load_record(args.experiment, "search.final", "train")
        folder = record.options.experiment_dir
        if status_of(folder) != FINISHED:
            raise UsageError(f"{folder} has not finished its search; resume it first with python -m search.run "
                             f"--resume {folder}")
        existing = read_plan(folder)
        if finished(existing) and request.members:
            raise UsageError(f"{folder} already has its final training (final/final.json); nothing to do")
        typed = [flag for flag, value in (("--epochs", args.epochs), ("--budget-s", args.budget_s)) if value]
        if existing is not None and typed:
            raise UsageError(f"the final training of {folder} was started already and resumes with the plan it "
                             f"recorded; leave out {', '.join(typed)}")
        best_configurations(_table(folder / TRIALS_FILE), 1)  # a finished trial to train again, or RecipeError
        splits = full_splits(record)
    except (UsageError, RecordError, RecipeError, DataError) as exc:
        print(f"search.final: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("search.final: interrupted before the final training started; nothing was written", file=sys.stderr)
        return interruption.INTERRUPTED_EXIT_STATUS
    return finalize(record, splits, request, resume=existing is not None and request.members > 0)


def full_splits(record: RecordedSearch) -> Splits:
    """The experiment's data with all its training images (the search may have used a subset)."""
    from trainables import load_splits, synthetic_splits

    splits = load_splits(record.data) if record.data else synthetic_splits()
    held_out = (len(splits.val_y), len(splits.test_y))
    if held_out != tuple(record.split_sizes[1:]):
        raise UsageError(f"the data at {record.data or 'the built-in generator'} has validation and test splits of "
                         f"{held_out}, but the search used {tuple(record.split_sizes[1:])}; the final training must "
                         "be chosen and tested on the same ones")
    return splits


def finalize(record: RecordedSearch, splits: Splits, request: FinalRequest, resume: bool = False,
             search_results: Any = None, program: str = "search.final") -> int:
    """Plan (or resume) the final training, run it, write the deliverable and update the summary and
    report. `search_results` is the search's ResultGrid when the caller has it in memory; `program`
    names the command in its messages. A plan that cannot be made (a budget too short for one epoch)
    is bad input for `search.final`; right after a search (`search.run`) it is a warning, and the
    deliverable comes from the search's own checkpoints rather than being lost."""
    from search.final.training import final_storage, run_final
    from search.run import display_path
    from search.tuner import connect_ray, ray_storage

    options = record.options
    folder = options.experiment_dir
    if not request.members:
        return _deliver(record, splits, request.ensemble_rounds, search_results)
    started = time.time()
    connect_ray()
    plan = read_plan(folder) if resume else None
    if plan is None:
        try:
            plan = _new_plan(record, splits, request)
        except RecipeError as exc:
            if program == "search.final":
                print(f"{program}: error: {exc}", file=sys.stderr)
                return 2
            print(f"{program}: warning: no final training: {exc}", file=sys.stderr)
            return _deliver(record, splits, request.ensemble_rounds, search_results)
        write_plan(folder, plan)
    _print_plan(plan, resume)
    resume_command = f"python -m search.final {display_path(folder)}"
    storage = final_storage(ray_storage(options), local=options.storage_path is None)
    with interruption.graceful_interruption(resume_command, program, "the final training"):
        final_results = run_final(plan, splits, storage, folder, resume=resume, max_failures=options.max_failures)
    if interruption.requested():
        plan = with_status(plan, INTERRUPTED)
        write_plan(folder, plan)
        _update_summary(folder, {FINAL: plan.as_dict()})
        print(f"\n== final training of {options.study_name} interrupted; its state is saved. Resume with:\n"
              f"{resume_command}")
        return interruption.INTERRUPTED_EXIT_STATUS
    plan = with_status(plan, FINISHED, wall_time_s=round(time.time() - started, 1), members=_outcome(final_results))
    return _deliver(record, splits, plan.ensemble_rounds, search_results, final_results, plan)


def _deliver(record: RecordedSearch, splits: Splits, ensemble_rounds: int, search_results: Any = None,
             final_results: Any = None, plan: FinalPlan | None = None) -> int:
    """The deliverable from the search's checkpoints and the final models, if any; summary and report."""
    from search.best import evaluate_best
    from search.run import build_report, optuna_numbers, print_summary
    from search.tuner import quiet_ray_output, ray_storage

    options = record.options
    folder = options.experiment_dir
    quiet_ray_output()
    if search_results is None:
        search_results = _search_results(ray_storage(options))
    best = evaluate_best(search_results, splits, folder, optuna_numbers(folder).get, options.max_epochs,
                         options.max_train_time_s, final_results, ensemble_rounds)
    changes = {"best": best}
    if plan is not None:
        write_plan(folder, plan)
        changes[FINAL] = plan.as_dict()
    print_summary(_update_summary(folder, changes), build_report(folder))
    return 0


def _new_plan(record: RecordedSearch, splits: Splits, request: FinalRequest) -> FinalPlan:
    import ray

    options = record.options
    folder = options.experiment_dir
    slots = _slots(ray.cluster_resources(), options.cpus_per_trial, options.gpus_per_trial, options.max_concurrent)
    members, rule = plan_members(_table(folder / TRIALS_FILE), _table(folder / EPOCHS_FILE), request.members,
                                 options.max_epochs, len(splits.train_y) / record.split_sizes[0], slots,
                                 request.epochs, request.budget_s)
    return FinalPlan(members=tuple(members), rule=rule, ensemble_rounds=request.ensemble_rounds,
                     cpus_per_trial=options.cpus_per_trial, gpus_per_trial=options.gpus_per_trial,
                     precision=options.precision, train_images=len(splits.train_y), budget_s=request.budget_s)


def _slots(resources: dict[str, float], cpus: float, gpus: float, max_concurrent: int | None) -> int:
    """How many members the cluster trains at once."""
    fits = [resources.get("CPU", 0) // cpus if cpus else float("inf"),
            resources.get("GPU", 0) // gpus if gpus else float("inf"), max_concurrent or float("inf")]
    return max(1, int(min(fits)))


def _print_plan(plan: FinalPlan, resume: bool) -> None:
    verb = "Resuming the final training" if resume else "Final training"
    print(f"{verb}: {len(plan.members)} configuration(s) on all {plan.train_images:,} training images; {plan.rule}")
    for i, member in enumerate(plan.members, 1):
        projected = (f", ~{member.seconds_per_epoch * member.epochs / 60:.0f} min projected"
                     if member.seconds_per_epoch else "")
        print(f"  {i}. trial {member.trial_id}'s configuration (search val_acc {member.search_val_acc:.4f}): "
              f"{member.epochs} epochs{projected}")


def _search_results(storage: tuple[str, str, Any]):
    """The search's results as Tune saved them (local, a shared folder or `s3://`)."""
    from ray import tune
    from ray.tune import ResultGrid

    storage_path, run_name, filesystem = storage
    analysis = tune.ExperimentAnalysis(f"{storage_path}/{run_name}", storage_filesystem=filesystem,
                                       default_metric="val_acc", default_mode="max")
    return ResultGrid(analysis)


def _outcome(results: Any) -> list[dict[str, Any]]:
    """Each member's training as it ended."""
    from trainables.trainable import TRAINING_ERROR

    return [{"trial_id": (r.metrics or {}).get("trial_id"), "epochs": (r.metrics or {}).get("epoch"),
             "val_acc": (r.metrics or {}).get("val_acc"), "train_time_s": (r.metrics or {}).get("train_time_s"),
             "error": (r.metrics or {}).get(TRAINING_ERROR) or (str(r.error).splitlines()[0] if r.error else None)}
            for r in results]


def _table(path: Path):
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path} cannot be read ({type(exc).__name__}); is this a finished experiment?") from None


def _update_summary(folder: Path, changes: dict[str, Any]) -> dict[str, Any]:
    import json

    path = folder / SUMMARY_FILE
    summary = json.loads(path.read_text())
    summary.update(changes)
    write_json_atomically(path, summary)
    return summary
