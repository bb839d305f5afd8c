"""What a user would write instead: a plain Optuna script, against this project, at equal wall time.

The peer is the usual script: `study.optimize` with TPE and Optuna's own
`SuccessiveHalvingPruner`, a per-sample `Dataset` + `DataLoader(shuffle=True)` loop in fp32,
no Ray, both cores busy (`n_jobs=2`, one torch thread each). It searches the same space
(`spaces.full`, the same define-by-run suggestions), trains the same models with the same
optimizers, standardizations and augmentations, on the same data and epochs. The project
runs `python -m search.run` with `--time-budget-s` equal to the peer's timeout.

Each side is scored on the best validation accuracy of any epoch reported within the wall
time since its process started (the peer's trials still running at its timeout do not
count past it). Interleaved over seeds; the last line is `peer_ratio=X.XX` (the project's
best ÷ the peer's, median over seeds).

    FER2013_PATH=... python -m benchmarks.peer_optuna [--seeds 0 1] [--wall-s 400]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.search_runs import REPO_ROOT, interleaved, machine_line, median, run_search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--wall-s", type=float, default=400)
    parser.add_argument("--max-epochs", type=int, default=6)
    parser.add_argument("--train-subset", type=int, default=4000)
    parser.add_argument("--output", type=Path, default=Path("benchmarks/runs/peer_optuna"))
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)  # one peer run, in its own process
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        run_peer(args)
        return
    if not os.environ.get("FER2013_PATH"):
        parser.error("set FER2013_PATH to the real FER2013")
    shutil.rmtree(args.output, ignore_errors=True)
    args.output.mkdir(parents=True)
    print(f"machine: {machine_line()}\nwall time {args.wall_s:.0f} s each, {args.max_epochs} epochs, train subset "
          f"{args.train_subset}, seeds {args.seeds}", flush=True)
    best: dict[str, dict[int, float]] = {"project": {}, "peer": {}}
    for side, seed in interleaved(["project", "peer"], args.seeds):
        if side == "project":
            run = run_search("project", seed, ["--space", "full", "--max-epochs", str(args.max_epochs),
                                               "--train-subset", str(args.train_subset), "--samples", "1000",
                                               "--time-budget-s", str(args.wall_s)], args.output)
            in_time = run.epochs[run.epochs["reported_at"] - run.started_at <= args.wall_s]
            best[side][seed] = float(in_time["val_acc"].max())
            detail = f"{len(run.trials)} trials, {run.epochs_trained} epochs, wall {run.wall_s:.0f} s"
        else:
            out = args.output / f"peer-s{seed}.json"
            started = time.time()
            subprocess.run([sys.executable, "-m", "benchmarks.peer_optuna", "--peer", "--seed", str(seed),
                            "--wall-s", str(args.wall_s), "--max-epochs", str(args.max_epochs),
                            "--train-subset", str(args.train_subset), "--output", str(out)],
                           cwd=REPO_ROOT, check=True, timeout=args.wall_s * 3 + 600)
            result = json.loads(out.read_text())
            best[side][seed] = result["best_val_acc_in_time"]
            detail = (f"{result['trials']} trials ({result['pruned']} pruned), {result['epochs']} epochs, "
                      f"wall {time.time() - started:.0f} s")
        print(f"  {side:<8} seed {seed}: best val acc within {args.wall_s:.0f} s {best[side][seed]:.4f} ({detail})",
              flush=True)
    ratios = [best["project"][s] / best["peer"][s] for s in args.seeds]
    print("\n| side | best val acc (median) |\n| --- | ---: |")
    for side in best:
        print(f"| {side} | {median(list(best[side].values())):.4f} |")
    print(f"per-seed ratios: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"peer_ratio={median(ratios):.2f}")


def run_peer(args: argparse.Namespace) -> None:
    """The plain Optuna script; writes its best in-time accuracy and counts to `args.output`."""
    started = time.time()
    import numpy as np
    import optuna
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader

    from benchmarks.throughput import PerSampleFaces
    from spaces import SPACES
    from trainables import Hyperparameters, build_model, load_splits
    from trainables.loop import augment_batch, build_lr_scheduler, build_optimizer
    from trainables.standardize import fit_standardizer

    torch.set_num_threads(1)
    space = SPACES["full"]
    splits = load_splits().with_train_subset(args.train_subset, seed=args.seed)
    reports: list[tuple[float, float]] = []  # (seconds since start, val_acc)
    lock = threading.Lock()

    def objective(trial: optuna.Trial) -> float:
        space.suggest(trial)
        hp = Hyperparameters.from_config(space.config_of(trial.params))
        torch.manual_seed(args.seed)
        standardizer = fit_standardizer(hp.standardize, splits.train_x)
        train = DataLoader(PerSampleFaces(splits.train_x, splits.train_y, standardizer),
                           batch_size=hp.batch_size, shuffle=True)
        val = DataLoader(PerSampleFaces(splits.val_x, splits.val_y, standardizer), batch_size=1024)
        model = build_model(hp.arch, hp.activation, hp.batch_norm, hp.dropout)
        optimizer = build_optimizer(hp, model)
        schedule = build_lr_scheduler(hp, optimizer, args.max_epochs)
        generator = torch.Generator().manual_seed(args.seed)
        accuracy = 0.0
        for epoch in range(1, args.max_epochs + 1):
            model.train()
            for x, y in train:
                loss = F.cross_entropy(model(augment_batch(x, hp.augment, generator)), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            schedule.step()
            model.eval()
            with torch.no_grad():
                correct = sum((model(x).argmax(1) == y).sum().item() for x, y in val)
            accuracy = correct / len(splits.val_y)
            if not np.isfinite(accuracy):
                break
            with lock:
                reports.append((time.time() - started, accuracy))
            trial.report(accuracy, epoch)
            if trial.should_prune() or time.time() - started > args.wall_s:
                raise optuna.TrialPruned()
        return accuracy

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=args.seed),
                                pruner=optuna.pruners.SuccessiveHalvingPruner())
    remaining = args.wall_s - (time.time() - started)
    study.optimize(objective, timeout=remaining, n_jobs=2, catch=(Exception,))
    in_time = [acc for at, acc in reports if at <= args.wall_s]
    pruned = len(study.get_trials(states=(optuna.trial.TrialState.PRUNED,)))
    Path(args.output).write_text(json.dumps({
        "best_val_acc_in_time": max(in_time) if in_time else 0.0, "trials": len(study.trials),
        "pruned": pruned, "epochs": len(reports)}))


if __name__ == "__main__":
    main()
