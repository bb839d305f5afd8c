"""Ensemble selection (Caruana, Niculescu-Mizil, Crew and Ksikes, "Ensemble selection from libraries
of models", ICML 2004) and flip test-time augmentation, decided on validation predictions only.

Greedy forward selection with replacement: start from nothing; in each round add the library
model (again, if it is already in) whose addition makes the averaged prediction most accurate on
validation; after the last round keep the ensemble of the best round. Choosing a model twice
weights it twice, which is how selection with replacement weights members without fitting
weights. Ties go to the lower validation log-loss, then to the earlier model (the library is in
the order of its models' own accuracy) and the earlier round (the smaller ensemble).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_ROUNDS = 20
"""Rounds of selection: Caruana et al. grow ensembles to tens of models; 20 is the issue's measure."""


@dataclass(frozen=True)
class Selection:
    """An ensemble chosen from a library.

    Attributes:
        counts: how often each library model was chosen (its weight), one per library model.
        val_acc: the validation accuracy of the chosen ensemble.
        val_loss: its validation log-loss.
        val_acc_by_round: the accuracy after each round, for the record.
    """

    counts: tuple[int, ...]
    val_acc: float
    val_loss: float
    val_acc_by_round: tuple[float, ...]

    @property
    def members(self) -> list[int]:
        """The library indices chosen at least once, most often chosen first (ties: library order)."""
        return sorted((i for i, n in enumerate(self.counts) if n), key=lambda i: (-self.counts[i], i))


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def log_loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of the true classes (probabilities clipped at 1e-12, as a float log allows)."""
    return float(-np.mean(np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, None))))


def average(library: Sequence[np.ndarray], counts: Sequence[float]) -> np.ndarray:
    """The library's predictions averaged with weights `counts` (those of weight 0 left out)."""
    total = sum(float(n) * np.asarray(library[i], dtype=np.float64) for i, n in enumerate(counts) if n)
    return total / float(sum(counts))


def ensemble_selection(library: Sequence[np.ndarray], labels: np.ndarray, rounds: int = DEFAULT_ROUNDS) -> Selection:
    """Caruana's selection with replacement over `library` (each model's (N, classes) validation
    probabilities) against the validation `labels`; see the module docstring."""
    if rounds < 1:
        raise ValueError(f"The value of `rounds` is {rounds}, but must be `rounds >= 1`")
    if not library:
        raise ValueError("ensemble selection needs a library of at least one model")
    predictions = [np.asarray(p, dtype=np.float64) for p in library]
    counts = np.zeros(len(predictions), dtype=int)
    total = np.zeros_like(predictions[0])
    rounds_seen = []  # (accuracy, loss, counts) after each round
    for size in range(1, rounds + 1):
        scores = [(accuracy((total + p) / size, labels), -log_loss((total + p) / size, labels), -i)
                  for i, p in enumerate(predictions)]
        chosen = -max(scores)[2]
        counts[chosen] += 1
        total += predictions[chosen]
        acc, neg_loss, _ = max(scores)
        rounds_seen.append((acc, -neg_loss, tuple(int(n) for n in counts)))
    best = max(range(len(rounds_seen)), key=lambda r: (rounds_seen[r][0], -rounds_seen[r][1], -r))
    acc, loss, chosen_counts = rounds_seen[best]
    return Selection(counts=chosen_counts, val_acc=acc, val_loss=loss,
                     val_acc_by_round=tuple(r[0] for r in rounds_seen))


def with_flip(plain: np.ndarray, mirrored: np.ndarray) -> np.ndarray:
    """Flip test-time augmentation: the prediction averaged over the face and its mirror image."""
    return (np.asarray(plain, dtype=np.float64) + np.asarray(mirrored, dtype=np.float64)) / 2


def flip_helps(plain: np.ndarray, mirrored: np.ndarray, labels: np.ndarray) -> bool:
    """Whether flip test-time augmentation is used: when it does not lower validation accuracy."""
    return accuracy(with_flip(plain, mirrored), labels) >= accuracy(plain, labels)
