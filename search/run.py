"""`python -m search.run --space NAME`: run a search (then, if asked, its final training), test the
deliverable once, write results and report.

`python -m search.run --resume DIR` continues one whose driver was interrupted or killed.
Ray and torch are imported only once a search is really about to start, so `--help`,
`--list-spaces` and a bad flag answer at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from experiment.files import BEST_DIR, EPOCHS_FILE, REPORT_FILE, SUMMARY_FILE, TRIALS_FILE, write_json_atomically
from experiment.schema import (DELIVERABLE, FINAL, FINISHED, INTERRUPTED, MAX_TRAIN_TIME, MEMBERS, MODEL,
                               NO_EARLY_STOPPING, OBJECTIVE, SCHEDULER, SEARCH, SPACE, SPACE_FILE, SPACE_SPEC, STALLED,
                               STEP, STEPS)
from search import interruption
from search.local_ray import keep_local_ray_on_loopback
from search.options import (DEFAULTS, UsageError, build_parser, given_flags, load_space, resolve_options,
                            train_subset)
from search.record import RecordedSearch, RecordError, read_record, recorded_splits, write_record
from spaces import SPACES
from spaces.files import dump_spec, space_to_spec
from trainables import SYNTHETIC_NOTICE, DataError, DataQuality, Splits, check_data_quality, load_splits


@dataclass(frozen=True)
class Plan:
    """What main() is about to run: the recorded search, its data, and whether it resumes."""

    search: RecordedSearch
    splits: Splits
    resume: bool
    quality: DataQuality


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list_spaces:
        print("\n\n".join(space.describe() for space in SPACES.values()))
        return 0
    if args.print_space:
        try:
            print(dump_spec(space_to_spec(load_space(args.space or DEFAULTS["space"]))), end="")
        except UsageError as exc:
            print(f"search.run: error: {exc}", file=sys.stderr)
            return 2
        return 0
    try:
        plan = resume_plan(args) if args.resume else new_plan(args)
        print_data(plan.splits)
        for warning in plan.quality.warnings:
            print(f"search.run: warning: {warning}", file=sys.stderr)
        keep_local_ray_on_loopback()  # before Ray is first imported, just below
        from search.cluster_checks import check_cluster
        from search.tuner import connect_ray

        connect_ray()
        for warning in check_cluster(plan.search.options):
            print(f"search.run: warning: {warning}", file=sys.stderr)
    except (UsageError, DataError, RecordError) as exc:
        print(f"search.run: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("search.run: interrupted before the search started; nothing was written", file=sys.stderr)
        return interruption.INTERRUPTED_EXIT_STATUS
    return run(plan)


def new_plan(args) -> Plan:
    """Resolve and check a new search; nothing is written yet."""
    options = resolve_options(args)
    data = args.data or os.environ.get("FER2013_PATH")
    data = str(Path(data).expanduser().absolute()) if data else None
    splits = load_splits(data)
    quality = check_data_quality(splits)  # of the data as found; a subset is the user's choice
    subset = train_subset(args, options.space)
    if subset is not None and subset > len(splits.train_y):
        raise UsageError(f"--train-subset is {subset:,}, but the data has {len(splits.train_y):,} training images")
    if subset is not None:
        splits = splits.with_train_subset(subset, seed=options.seed)
    sizes = (len(splits.train_y), len(splits.val_y), len(splits.test_y))
    return Plan(RecordedSearch(options, data, subset, sizes), splits, resume=False, quality=quality)


def resume_plan(args) -> Plan:
    """The recorded search of `--resume DIR`, its data loaded as it was at the start."""
    extra = given_flags(args)
    if extra:
        raise UsageError(f"--resume takes the settings the experiment recorded; {', '.join(extra)} would change "
                         "them, so leave it out")
    recorded = read_record(Path(args.resume))
    splits, quality = recorded_splits(recorded)
    return Plan(recorded, splits, resume=True, quality=quality)


def run(plan: Plan) -> int:
    from search.best import evaluate_best
    from search.callbacks import stall
    from search.tuner import run_search

    options = plan.search.options
    folder = options.experiment_dir
    verb = "Resuming" if plan.resume else "Space"
    print(f"{verb} {options.space.name}: {options.samples} trials, up to {options.max_epochs} epochs each; "
          f"experiment folder {display_path(folder)}")
    if not plan.resume:
        folder.mkdir(parents=True)
        write_record(plan.search)
    started = time.time()
    resume_command = f"python -m search.run --resume {display_path(folder)}"
    with interruption.graceful_interruption(resume_command):
        results = run_search(options, plan.splits, resume=plan.resume)
    if interruption.requested():
        write_summary(plan, None, wall_time_s=time.time() - started, status=INTERRUPTED)
        print(f"\n== {options.study_name} interrupted; its state is saved. Resume with:\n{resume_command}")
        return interruption.INTERRUPTED_EXIT_STATUS
    stalled = stall()
    if options.final_training and not stalled:  # the search is done; the model comes after its final training
        from search.final.command import FinalRequest, finalize, full_splits

        write_summary(plan, None, wall_time_s=time.time() - started, status=FINISHED)
        request = FinalRequest(options.final_epochs, options.final_budget_s, options.final_members,
                               options.ensemble_rounds)
        splits = plan.splits if plan.search.train_subset is None else full_splits(plan.search)
        return finalize(plan.search, splits, request, search_results=results, program="search.run")
    best = evaluate_best(results, plan.splits, folder, optuna_numbers(folder).get, options.max_epochs,
                         options.max_train_time_s, ensemble_rounds=options.ensemble_rounds)
    summary = write_summary(plan, best, wall_time_s=time.time() - started, status=STALLED if stalled else FINISHED)
    report = build_report(folder) if summary["trials"] else None  # a report needs a trial
    print_summary(summary, report)
    if stalled:  # no node could hold its trials: the results so far are written, but the search did not finish
        print(f"search.run: error: search ended: {stalled}; results so far in {display_path(folder)}",
              file=sys.stderr)
        return 2
    return 0


def optuna_numbers(folder: Path) -> dict[str, int]:
    """Ray trial id → Optuna trial number, as recorded in trials.parquet."""
    table = pq.read_table(folder / TRIALS_FILE, columns=["trial_id", "optuna_number"]).to_pylist()
    return {row["trial_id"]: row["optuna_number"] for row in table}


def print_data(splits: Splits) -> None:
    if splits.synthetic:
        print(SYNTHETIC_NOTICE)
    print(splits.describe())


def display_path(path: Path) -> str:
    """`path` relative to the working folder when it lies below it, else absolute."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)


def write_summary(plan: Plan, best: dict[str, Any] | None, wall_time_s: float, status: str) -> dict[str, Any]:
    options, splits = plan.search.options, plan.splits
    folder = options.experiment_dir
    states = Counter(pq.read_table(folder / TRIALS_FILE, columns=["state"]).column("state").to_pylist())
    summary = {
        "name": options.study_name, SPACE: options.space.name, SPACE_FILE: options.space.source,
        SPACE_SPEC: space_to_spec(options.space) if options.space.source else None, "status": status,
        "wall_time_s": round(wall_time_s, 1),
        "data": {"description": splits.describe(), "synthetic": splits.synthetic, "source": splits.source,
                 "train": len(splits.train_y), "val": len(splits.val_y), "test": len(splits.test_y),
                 "quality": plan.quality.as_dict()},
        SEARCH: {"samples": options.samples, "max_epochs": options.max_epochs, "grace_epochs": options.grace_epochs,
                 "reduction_factor": options.reduction_factor, "seed": options.seed, "sampler": options.sampler,
                 SCHEDULER: options.scheduler if options.space.prune else NO_EARLY_STOPPING,
                 OBJECTIVE: options.objective, MAX_TRAIN_TIME: options.max_train_time_s},
        "trials": dict(states),
        "best": best,
        "storage": options.storage_url, "study_name": options.study_name,
        "paths": {"trials": display_path(folder / TRIALS_FILE), "epochs": display_path(folder / EPOCHS_FILE),
                  "best": display_path(folder / BEST_DIR), "summary": display_path(folder / SUMMARY_FILE),
                  "report": display_path(folder / REPORT_FILE)},
        "dashboard_command": f"optuna-dashboard --host 127.0.0.1 {options.storage_url}",
    }
    write_json_atomically(folder / SUMMARY_FILE, summary)
    return summary


def build_report(folder: Path) -> Path | None:
    """The Plotly report, built by its own command from the files the search wrote: the report
    sits above the search and reads only files, so the search hands it the folder as a user
    would. A report that fails is one warning line and never loses the search's results."""
    command = [sys.executable, "-m", "reports.build", str(folder)]
    project = str(Path(__file__).resolve().parents[1])  # where `reports` sits beside `search`, installed or not
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [project, os.environ.get("PYTHONPATH")]))}
    try:
        built = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    except OSError as exc:
        built = subprocess.CompletedProcess(command, 1, "", str(exc))
    for line in built.stderr.splitlines():
        if built.returncode == 0 and line.startswith("reports.build: figure"):
            print(line, file=sys.stderr)  # a figure it could not draw, the rest of the page built
    if built.returncode != 0:
        reason = next((line for line in reversed(built.stderr.splitlines()) if line.strip()), "no message")
        print(f"search.run: warning: report not built ({reason.removeprefix('reports.build: error: ')}); "
              f"rebuild with: python -m reports.build {display_path(folder)}", file=sys.stderr)
        return None
    return folder / REPORT_FILE


def print_summary(summary: dict[str, Any], report: Path | None) -> None:
    best = summary["best"]
    lines = ["", f"== {summary['name']} ({summary['space']}) finished in {summary['wall_time_s']:.0f} s",
             f"data:    {summary['data']['description']}",
             "trials:  " + (", ".join(f"{state} {n}" for state, n in sorted(summary["trials"].items()))
                            or "none ran")]
    final = summary.get(FINAL)
    if final:
        epochs = "/".join(str(m["epochs"]) for m in final["members"])
        wall = final.get("outcome", {}).get("wall_time_s")
        lines.append(f"final:   {len(final['members'])} configuration(s) trained again on all "
                     f"{final['train_images']:,} training images, {epochs} epochs"
                     + (f", in {wall:.0f} s" if wall is not None else "") + f" ({final['status']})")
    if best is None:
        lines.append("best:    no trial produced a checkpoint")
    else:
        config = ", ".join(f"{k}={v}" for k, v in best["config"].items())
        number = f" (Optuna #{best['optuna_number']})" if best.get("optuna_number") is not None else ""
        one_model = len(best.get(MEMBERS) or [None]) == 1  # an ensemble's training time is not its leading model's
        train_time = (f" | train time {best['train_time_s']:.1f} s"
                      if best.get("train_time_s") is not None and one_model else "")
        lines += [f"model:   {best.get(MODEL, 'trial ' + str(best['trial_id']))}",
                  f"leading: trial {best['trial_id']}{number}, epoch {best['epoch']}",
                  f"config:  {config}",
                  f"val_acc {best['val_acc']:.4f} | test_acc {best['test_acc']:.4f} ({best['test_split']}){train_time}"]
        lines += [_step_line(step) for step in best.get(STEPS, [])]
    paths = summary["paths"]
    lines += [f"results: {paths['trials']}, {paths['epochs']}", f"best:    {paths['best']}/",
              f"summary: {paths['summary']}"]
    if report:
        lines.append(f"report:  {display_path(report)}")
    lines.append(f"review:  {summary['dashboard_command']}")
    print("\n".join(lines))


def _step_line(step: dict[str, Any]) -> str:
    """One step from the search's best checkpoint to the deliverable, as the summary prints it."""
    chosen = "  <- best/" if step[DELIVERABLE] else ""
    note = f" ({step['note']})" if step.get("note") else ""
    figures = f"val_acc {step['val_acc']:.4f} | test_acc {step['test_acc']:.4f}"
    return f"  {step[STEP]:<15} {figures}  {step[MODEL]}{note}{chosen}"


if __name__ == "__main__":
    sys.exit(main())
