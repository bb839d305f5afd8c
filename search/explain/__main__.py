"""`python -m search.explain EXPERIMENT_DIR`: controlled runs that measure what the search could
only guess — what each of the best configuration's choices is worth, how the learning rate and
the batch size act around it, and whether the best learning rate moves with the batch size.

Every run is real and trained to the end at the search's own setting (data, training subset,
epochs, precision, resources), through Ray Tune as a search's trials are; each arm is repeated
over seeds so that every effect is a paired difference with an interval. The plan (arms × seeds)
and its expected time, from the search's own seconds per epoch, are printed first; `--budget-s`
caps it (`search.explain.design.trimmed` says what goes first). Results go under
`EXPERIMENT_DIR/explain/` and never change the search's own files; the experiment's report
(`python -m reports.build EXPERIMENT_DIR`, run at the end) gains its section "What made the best
model". Ctrl-C stops it resumably, `--resume` continues it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import optuna
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiment.files import (BEST_DIR, CONFIG_FILE, EPOCHS_FILE, EXPLAIN_DIR, EXPLAIN_RECORD_FILE, PLAN_FILE,
                              SUMMARY_FILE, TRIALS_FILE, write_atomically, write_json_atomically)
from experiment.schema import FINISHED, INTERRUPTED, PLAN_SCHEMA, STALLED
from search import interruption
from search.explain.design import Run
from search.explain.plan import BEST_TRIAL, Plan, best_run_is_full, make_plan, search_best_trial
from search.local_ray import keep_local_ray_on_loopback
from search.options import OneLineParser, UsageError
from search.record import RecordedSearch, RecordError, load_record, recorded_splits, status_of
from search.run import build_report, display_path
from trainables import DataError, Splits
from trainables.hyperparameters import NAMES

STUDY_NAME = "explain"


@dataclass(frozen=True)
class Job:
    """A checked explain experiment, about to train (or to continue)."""

    search: RecordedSearch
    folder: Path        # EXPERIMENT_DIR/explain
    plan: Plan
    splits: Splits
    resume: bool
    best_trial: str | None  # the search's trial whose configuration is explained

    @property
    def storage_url(self) -> str:
        return f"sqlite:///{self.folder / 'optuna.db'}"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m search.explain",
                           description="Controlled runs around a finished search's best configuration: an ablation "
                                       "of each of its choices, learning-rate and batch-size sweeps, and the "
                                       "learning-rate sweep at a second batch size, each over seeds.")
    add = parser.add_argument
    add("experiment", type=Path, help="a finished experiment folder written by python -m search.run")
    add("--seeds", type=int, default=3,
        help="runs per arm, at the search's seed and the ones after it; the search's own full run of the best counts "
             "as its first (default: 3)")
    add("--budget-s", type=float,
        help="the most wall time to spend: arms are dropped to fit, the interaction first, then the sweeps (farthest "
             "steps first), then the ablations the search rated least promising (default: no limit)")
    add("--plan", action="store_true", help="print the plan and its expected time, and exit")
    add("--resume", action="store_true", help="continue an interrupted explain experiment of EXPERIMENT_DIR")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    keep_local_ray_on_loopback()  # before Ray is first imported (to count the trial slots)
    try:
        job = resume_job(args) if args.resume else new_job(args)
        print(job.plan.describe() if not job.resume else f"Resuming the explain experiment in "
                                                          f"{display_path(job.folder)}: {len(job.plan.to_train())} runs")
        if args.plan:
            return 0
        if not job.resume:
            write_start(job)
    except (UsageError, RecordError, DataError) as exc:
        print(f"search.explain: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("search.explain: interrupted before the runs started; nothing was written", file=sys.stderr)
        return interruption.INTERRUPTED_EXIT_STATUS
    return execute(job)


def new_job(args: argparse.Namespace) -> Job:
    """Check the experiment and the flags, and plan the runs; nothing is written yet."""
    if args.seeds < 2:
        raise UsageError(f"--seeds is {args.seeds}, but must be at least 2: a paired difference needs two seeds "
                         "for an interval")
    if args.budget_s is not None and not args.budget_s > 0:
        raise UsageError(f"--budget-s is {args.budget_s:g}, but must be > 0")
    search = finished_search(args.experiment)
    folder = search.options.experiment_dir / EXPLAIN_DIR
    if folder.exists():
        raise UsageError(f"{display_path(folder)} already holds an explain experiment; continue it with --resume, or "
                         "move it away to start again (nothing was changed)")
    options = search.options
    trials, epochs = _read(options.experiment_dir / TRIALS_FILE), _read(options.experiment_dir / EPOCHS_FILE)
    if trials[~trials["state"].isin(("diverged", "failed"))]["best_val_acc"].notna().sum() == 0:
        raise UsageError(f"{display_path(options.experiment_dir)} has no trial with a validation accuracy to explain")
    best_trial = search_best_trial(trials)
    best = {name: best_trial[name] for name in NAMES}
    own_seed = (int(best_trial["seed"]) if pd.notna(best_trial.get("seed")) else options.seed) \
        if best_run_is_full(trials, best_trial["trial_id"], options.max_epochs) else None
    seeds = [options.seed + i for i in range(args.seeds)]
    plan = make_plan(best, options.space, trials, epochs, seeds=seeds, own_seed=own_seed,
                     max_epochs=options.max_epochs, slots=trial_slots(options), budget_s=args.budget_s)
    if args.budget_s is not None and plan.expected_wall_s > args.budget_s:
        raise UsageError(f"--budget-s {args.budget_s:g} is too small for even the best's own {args.seeds} runs "
                         f"(expected {plan.expected_wall_s:,.0f} s); raise it or lower --seeds")
    splits, _ = recorded_splits(search)
    return Job(search, folder, plan, splits, resume=False, best_trial=str(best_trial["trial_id"]))


def resume_job(args: argparse.Namespace) -> Job:
    """The explain experiment `--resume` continues, as planned at its start."""
    if args.budget_s is not None or args.seeds != 3:
        raise UsageError("--resume takes the plan the explain experiment recorded; leave out --seeds and --budget-s")
    search = load_record(args.experiment, "search.explain --resume", "resume")
    folder = search.options.experiment_dir / EXPLAIN_DIR
    if not (folder / EXPLAIN_RECORD_FILE).is_file():
        raise UsageError(f"{display_path(search.options.experiment_dir)} has no explain experiment to resume "
                         f"({EXPLAIN_DIR}/{EXPLAIN_RECORD_FILE} is missing)")
    if status_of(folder) == FINISHED:
        raise UsageError(f"the explain experiment in {display_path(folder)} already finished; nothing to resume")
    splits, _ = recorded_splits(search)
    return Job(search, folder, recorded_plan(folder), splits, resume=True,
               best_trial=json.loads((folder / EXPLAIN_RECORD_FILE).read_text()).get(BEST_TRIAL))


def finished_search(folder: Path) -> RecordedSearch:
    """The recorded search of `folder`, which must have finished with a best model."""
    search = load_record(folder, "search.explain", "explain")
    folder = search.options.experiment_dir
    status = status_of(folder)
    if status != FINISHED:
        state = f"its summary says {status}" if status else "it wrote no summary"
        raise UsageError(f"{display_path(folder)} has not finished ({state}); finish it first with python -m "
                         f"search.run --resume {display_path(folder)}")
    if not (folder / BEST_DIR / CONFIG_FILE).is_file():
        raise UsageError(f"{display_path(folder)} has no best model ({BEST_DIR}/ is missing): no trial finished an "
                         "epoch, so there is nothing to explain")
    return search


def trial_slots(options) -> int:
    """Trials that run at once on the cluster the search runs on (the local machine by default)."""
    from search.tuner import connect_ray

    import ray

    connect_ray()
    resources = ray.cluster_resources()
    slots = int(resources.get("CPU", 1) // options.cpus_per_trial)
    if options.gpus_per_trial:
        slots = min(slots, int(resources.get("GPU", 0) // options.gpus_per_trial))
    if options.max_concurrent:
        slots = min(slots, options.max_concurrent)
    return max(1, slots)


def write_start(job: Job) -> None:
    """explain/: its record, the plan, and the study holding the search's own run of the best."""
    from search.explain.study import add_run, distributions  # imports Ray: only once the local cluster's address is set

    job.folder.mkdir(parents=True)
    write_json_atomically(job.folder / EXPLAIN_RECORD_FILE, {
        BEST_TRIAL: job.best_trial, "seeds": job.plan.seeds, "slots": job.plan.slots, "expected_wall_s": round(job.plan.expected_wall_s, 1),
        "arms": [arm.name for arm in job.plan.arms], "dropped": [arm.name for arm in job.plan.dropped]})
    write_atomically(job.folder / PLAN_FILE, lambda tmp: pq.write_table(plan_table(job.plan), tmp))
    study = optuna.create_study(study_name=STUDY_NAME, storage=job.storage_url, direction="maximize")
    options = job.search.options
    epochs = _read(options.experiment_dir / EPOCHS_FILE)
    for run in (r for r in job.plan.runs if r.own):
        history = epochs[epochs["trial_id"] == job.best_trial].sort_values("epoch").to_dict("records")
        add_run(study, run, history, options.max_epochs, errored=False, ray_trial_id=job.best_trial,
                dists=distributions(job.plan.runs))


def execute(job: Job) -> int:
    from search.explain.run import run_explain

    started = time.time()
    resume_command = f"python -m search.explain {display_path(job.search.options.experiment_dir)} --resume"
    with interruption.graceful_interruption(resume_command):
        run_explain(job.search.options, job.splits, job.plan.runs, job.folder, job.storage_url, STUDY_NAME,
                    job.resume)
    from search.callbacks import stall

    stalled = stall()
    status = INTERRUPTED if interruption.requested() else STALLED if stalled else FINISHED
    write_json_atomically(job.folder / SUMMARY_FILE, {"status": status, "wall_time_s": round(time.time() - started, 1),
                                                      "study": STUDY_NAME, "storage": job.storage_url})
    if status == INTERRUPTED:
        print(f"\n== explain interrupted; its state is saved. Resume with:\n{resume_command}")
        return interruption.INTERRUPTED_EXIT_STATUS
    if stalled:
        print(f"search.explain: error: explain ended: {stalled}; its runs so far are in {display_path(job.folder)}",
              file=sys.stderr)
        return 2
    report = build_report(job.search.options.experiment_dir)
    lines = ["", f"== explain of {job.search.options.study_name} finished in {time.time() - started:,.0f} s",
             f"results: {display_path(job.folder / TRIALS_FILE)}, {display_path(job.folder / PLAN_FILE)}"]
    if report:
        lines.append(f"report:  {display_path(report)} (section \"What made the best model\")")
    lines.append(f"review:  optuna-dashboard --host 127.0.0.1 {job.storage_url}")
    print("\n".join(lines))
    return 0


def plan_table(plan: Plan) -> pa.Table:
    """plan.parquet: a row per arm and seed, and a row per dropped arm (no seed)."""
    rows = []
    for arm in plan.arms + plan.dropped:
        dropped = arm in plan.dropped
        for seed in ([None] if dropped else plan.seeds):
            run = None if dropped else next(r for r in plan.runs if arm.name in r.arms and r.seed == seed)
            index = plan.runs.index(run) if run else None
            rows.append({"arm": arm.name, "kind": arm.kind, "changed": arm.changed, "step": arm.step,
                         "sweep_batch_size": arm.batch_size, "seed": seed, "own": bool(run and run.own),
                         "dropped": dropped, "expected_s": plan.seconds.get(index) if run else None,
                         **{name: arm.config[name] for name in NAMES}})
    return pa.Table.from_pylist(rows, schema=PLAN_SCHEMA)


def recorded_plan(folder: Path) -> Plan:
    """The plan as explain/ recorded it (its runs rebuilt from plan.parquet)."""
    record = json.loads((folder / EXPLAIN_RECORD_FILE).read_text())
    table = pq.read_table(folder / PLAN_FILE).to_pandas()
    runs: dict[tuple, Run] = {}
    for row in table[~table["dropped"]].itertuples(index=False):
        config = {name: _plain(getattr(row, name)) for name in NAMES}
        key = (tuple(config.items()), int(row.seed))
        previous = runs.get(key)
        runs[key] = Run(config, int(row.seed), (*(previous.arms if previous else ()), row.arm), bool(row.own))
    return Plan([], [], list(runs.values()), {}, int(record["slots"]), list(record["seeds"]))


def _read(path: Path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas()


def _plain(value):
    return value.item() if hasattr(value, "item") else value


if __name__ == "__main__":
    sys.exit(main())
