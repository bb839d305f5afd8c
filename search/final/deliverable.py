"""From trained models to the model a user gets: the steps search best → final training → flip →
ensemble, each decided on validation, then one test pass and `best/` written.

The library is every kept checkpoint of the search (and of the final training, if there was one),
each with the validation probabilities its trial recorded while it ran, so choosing costs no
training and, but for the mirrored faces of the few models that may be flipped, no inference.
The steps:

1. search best: the search's most accurate checkpoint on validation (what `best/` held before).
2. final training: the most accurate final model (the best configurations trained again on all
   the training images); absent without a final training.
3. flip: the better single model of 1–2, its prediction averaged over the face and its mirror
   image when that does not lower its validation accuracy.
4. ensemble: Caruana's selection with replacement over the library's models that beat the majority
   class on validation, flipped under the same rule; absent with `ensemble_rounds` 0.

The deliverable is the step with the highest validation accuracy (a tie goes to the later step:
each step is used when it does not lower validation accuracy). Only then is the test split read,
once, for every step's figures; nothing chosen depends on it.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from ray import tune

from experiment.files import (CONFIG_FILE, EXPORT_FILE, METRICS_FILE, MODEL_STATE_FILE, PER_CLASS_FILE,
                              write_atomically, write_json_atomically)
from experiment.schema import (DELIVERABLE, ENSEMBLE, FINAL_TRAINING, FLIP, FLIP_STEP, MEMBERS, MODEL, SEARCH_BEST,
                               STEP, STEPS, TEST_CHANGE)
from search.final.selection import accuracy, average, ensemble_selection, flip_helps, log_loss, with_flip
from trainables import Splits, load_model
from trainables.inference import export_ensemble, per_class_results, probabilities
from trainables.trainable import STATE_FILE, VAL_PROBABILITIES_FILE

SEARCH, FINAL = "search", "final training"  # where a library model was trained


@dataclass(frozen=True, eq=False)
class LibraryModel:
    """One kept checkpoint that may become the deliverable or part of it.

    Attributes:
        source: SEARCH or FINAL.
        trial_id: its Ray trial (of the search, or of the final training).
        epoch: the epoch it was saved at.
        checkpoint: where its weights are (a local folder or Tune's storage).
        val_probabilities: its (validation images, 7) probabilities, as recorded while it trained.
        metrics: what its trial reported at that epoch (train_time_s, param_count, device, precision).
        optuna_number: the search's Optuna trial number, for search models.
        full_run_time_s: its configuration's full-run training time in the run it came from.
    """

    source: str
    trial_id: str
    epoch: int
    checkpoint: tune.Checkpoint
    val_probabilities: np.ndarray
    metrics: dict[str, Any] = field(default_factory=dict)
    optuna_number: int | None = None
    full_run_time_s: float | None = None

    def describe(self) -> str:
        return f"{'search trial' if self.source == SEARCH else 'final training'} {self.trial_id}, epoch {self.epoch}"


@dataclass(frozen=True)
class Candidate:
    """A step's model: library indices with weights, flipped or not, and its validation figures."""

    step: str
    indices: tuple[int, ...]
    weights: tuple[int, ...]
    flip: bool
    val_acc: float
    note: str = ""


def recorded_val_probabilities(checkpoint_dir: Path, splits: Splits, precision: str) -> tuple[np.ndarray, bool]:
    """The validation probabilities saved beside a checkpoint, or computed now for a checkpoint
    written before they were recorded; (probabilities, whether they had to be computed)."""
    path = Path(checkpoint_dir) / VAL_PROBABILITIES_FILE
    if path.is_file():
        return np.load(path), False
    model, _, standardizer = load_model(Path(checkpoint_dir))
    return probabilities(model, standardizer, splits.val_x, precision), True


def deliver(library: list[LibraryModel], splits: Splits, best_dir: Path, ensemble_rounds: int,
            extra: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Decide every step on validation, test them all in one pass, write `best_dir` (model.pt of the
    leading model, model.pt2 of the deliverable, config.json, metrics.json, per_class.parquet) and
    return summary.json's `best`; None for an empty library. `extra` keys go into it as they are."""
    if not library:
        return None
    labels = splits.val_y
    val = [np.asarray(m.val_probabilities, dtype=np.float64) for m in library]
    own = [accuracy(p, labels) for p in val]
    models = _Models(library, splits)
    search = [i for i, m in enumerate(library) if m.source == SEARCH]
    final = [i for i, m in enumerate(library) if m.source == FINAL]
    steps: list[Candidate] = []
    if search:
        first = max(search, key=lambda i: (own[i], -i))
        steps.append(Candidate(SEARCH_BEST, (first,), (1,), False, own[first]))
    if final:
        trained = max(final, key=lambda i: (own[i], -i))
        steps.append(Candidate(FINAL_TRAINING, (trained,), (1,), False, own[trained]))
    single = max(steps, key=lambda c: c.val_acc)  # the first of equals: the search's on a tie
    steps.append(_flipped(Candidate(FLIP_STEP, single.indices, (1,), False, single.val_acc), val, models, labels))
    if ensemble_rounds > 0:
        # ties inside selection go to the better model; one no better than always answering the commonest
        # emotion has learnt nothing, and would only give the selection more noise to fit
        order = [i for i in sorted(range(len(library)), key=lambda i: (-own[i], i)) if own[i] > majority(labels)]
        order = order or [single.indices[0]]
        selection = ensemble_selection([val[i] for i in order], labels, ensemble_rounds)
        chosen = tuple(order[j] for j in selection.members)
        weights = tuple(selection.counts[j] for j in selection.members)
        steps.append(_flipped(Candidate(ENSEMBLE, chosen, weights, False, selection.val_acc), val, models, labels))
    deliverable = max(range(len(steps)), key=lambda s: (steps[s].val_acc, s))

    # Everything is chosen: the one test pass, for every step's figures.
    test_x = splits.test_x
    test = {(i, flip): models.probabilities(i, test_x, flip)
            for c in steps for i in c.indices for flip in ((False, True) if c.flip else (False,))}
    step_rows, chosen_test, previous = [], None, None
    for s, candidate in enumerate(steps):
        mixed = _mix(candidate, lambda i, flip: test[(i, flip)])
        correct = mixed.argmax(axis=1) == splits.test_y
        if s == deliverable:
            chosen_test = mixed
        step_rows.append({STEP: candidate.step, MODEL: _words(candidate, library), "val_acc": candidate.val_acc,
                          "test_acc": float(correct.mean()), DELIVERABLE: s == deliverable,
                          **({TEST_CHANGE: paired_change(previous, correct)} if previous is not None else {}),
                          **({"note": candidate.note} if candidate.note else {})})
        previous = correct
    return _write(best_dir, steps[deliverable], step_rows, chosen_test, library, models, own, splits, extra or {})


def majority(labels: np.ndarray) -> float:
    """The accuracy of always answering the commonest class of `labels`."""
    return float(np.bincount(labels).max() / len(labels))


def paired_change(before: np.ndarray, after: np.ndarray) -> list[float]:
    """[change, low, high]: the change of accuracy from `before` to `after` (each image right or not,
    the same images), with the 95% interval of a paired difference (normal approximation)."""
    difference = after.astype(float) - before.astype(float)
    half = 1.96 * float(difference.std(ddof=1)) / math.sqrt(len(difference)) if len(difference) > 1 else math.nan
    change = float(difference.mean())
    return [change, change - half, change + half]


class _Models:
    """The library's models, loaded once each when first needed, with their mirrored validation
    probabilities."""

    def __init__(self, library: list[LibraryModel], splits: Splits):
        self._library, self._splits = library, splits
        self._loaded: dict[int, tuple] = {}
        self._mirrored: dict[int, np.ndarray] = {}

    def get(self, i: int) -> tuple:
        if i not in self._loaded:
            with self._library[i].checkpoint.as_directory() as folder:
                self._loaded[i] = load_model(Path(folder))
        return self._loaded[i]

    def precision(self, i: int) -> str:
        metrics = self._library[i].metrics
        model = self.get(i)[0]
        return final_pass_precision(metrics.get("device"), metrics.get("precision"), next(model.parameters()).device)

    def mirrored_val(self, i: int) -> np.ndarray:
        if i not in self._mirrored:
            model, _, standardizer = self.get(i)
            self._mirrored[i] = probabilities(model, standardizer, self._splits.val_x, self.precision(i), flip=True)
        return self._mirrored[i]

    def probabilities(self, i: int, faces: np.ndarray, flip: bool) -> np.ndarray:
        model, _, standardizer = self.get(i)
        return probabilities(model, standardizer, faces, self.precision(i), flip=flip).astype(np.float64)


def _flipped(candidate: Candidate, val: list[np.ndarray], models: _Models, labels: np.ndarray) -> Candidate:
    """The candidate with flip test-time augmentation where it does not lower validation accuracy."""
    plain = _mix(candidate, lambda i, flip: val[i])
    mirrored = _mix(candidate, lambda i, flip: models.mirrored_val(i).astype(np.float64))
    if flip_helps(plain, mirrored, labels):
        return Candidate(candidate.step, candidate.indices, candidate.weights, True,
                         accuracy(with_flip(plain, mirrored), labels))
    lowered = accuracy(plain, labels) - accuracy(with_flip(plain, mirrored), labels)
    return Candidate(candidate.step, candidate.indices, candidate.weights, False, accuracy(plain, labels),
                     note=f"flip not used: it lowered validation accuracy by {100 * lowered:.1f} points")


def _mix(candidate: Candidate, probabilities_of) -> np.ndarray:
    """The candidate's averaged probabilities; `probabilities_of(i, flip)` gives one model's."""
    plain = average([probabilities_of(i, False) for i in candidate.indices], candidate.weights)
    if not candidate.flip:
        return plain
    return with_flip(plain, average([probabilities_of(i, True) for i in candidate.indices], candidate.weights))


def _words(candidate: Candidate, library: list[LibraryModel]) -> str:
    flip = " with flip" if candidate.flip else ""
    if len(candidate.indices) == 1:
        return library[candidate.indices[0]].describe() + flip
    weights = "/".join(str(w) for w in candidate.weights)
    return f"ensemble of {len(candidate.indices)} models (weights {weights}){flip}"


def _write(best_dir: Path, chosen: Candidate, steps: list[dict[str, Any]], test_probabilities: np.ndarray,
           library: list[LibraryModel], models: _Models, own: list[float], splits: Splits,
           extra: dict[str, Any]) -> dict[str, Any]:
    best_dir.mkdir(parents=True, exist_ok=True)
    lead = library[chosen.indices[0]]
    with lead.checkpoint.as_directory() as folder:
        write_atomically(best_dir / MODEL_STATE_FILE, lambda tmp: shutil.copyfile(Path(folder) / STATE_FILE, tmp))
    _, hp, _ = models.get(chosen.indices[0])
    predicted = test_probabilities.argmax(axis=1)
    per_class = per_class_results(splits.test_y, predicted)
    write_per_class(best_dir / PER_CLASS_FILE, per_class)
    members = [(models.get(i)[0], models.get(i)[2]) for i in chosen.indices]
    write_atomically(best_dir / EXPORT_FILE, lambda tmp: export_ensemble(members, list(chosen.weights), tmp,
                                                                         chosen.flip))
    best = {
        "trial_id": lead.trial_id, "optuna_number": lead.optuna_number, "config": hp.as_dict(), "epoch": lead.epoch,
        "val_acc": chosen.val_acc, "test_acc": accuracy(test_probabilities, splits.test_y),
        "test_loss": log_loss(test_probabilities, splits.test_y), "train_time_s": lead.metrics.get("train_time_s"),
        "param_count": lead.metrics.get("param_count"),
        "test_split": "PrivateTest" if not splits.synthetic else "synthetic test",
        "full_run_time_s": lead.full_run_time_s, **extra, "macro_f1": per_class["macro_f1"], "per_class": per_class,
        MODEL: _words(chosen, library), FLIP: chosen.flip,
        MEMBERS: [{"source": library[i].source, "trial_id": library[i].trial_id, "epoch": library[i].epoch,
                   "weight": w, "val_acc": own[i]} for i, w in zip(chosen.indices, chosen.weights)],
        STEPS: steps,
    }
    write_json_atomically(best_dir / CONFIG_FILE, hp.as_dict())
    write_json_atomically(best_dir / METRICS_FILE, {k: v for k, v in best.items() if k != "config"})
    return best


def final_pass_precision(trained_on: str | None, precision: str | None, head: torch.device) -> str:
    """The precision of a test pass: the model's own where the head has the kind of device it trained
    on, else fp32 (a GPU trial's bf16 would be emulated, slowly, on a CPU head)."""
    same_kind = (trained_on or "cpu").split(" ")[0] == head.type
    return (precision or "auto") if same_kind else "fp32"


def write_per_class(path: Path, per_class: dict[str, Any]) -> None:
    """One row per true emotion: precision, recall, F1, support, and its confusion-matrix row."""
    rows = [{"emotion": emotion, "precision": per_class["precision"][i], "recall": per_class["recall"][i],
             "f1": per_class["f1"][i], "support": per_class["support"][i],
             **{f"predicted_{other}": per_class["confusion"][i][j] for j, other in enumerate(per_class["emotions"])}}
            for i, emotion in enumerate(per_class["emotions"])]
    write_atomically(path, lambda tmp: pq.write_table(pa.Table.from_pylist(rows), tmp))
