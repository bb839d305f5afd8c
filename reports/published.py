"""The study's own published results, drawn as reference marks in every report.

They come from other hardware (and the full FER2013), so they place this search's
numbers in context rather than compete with them; arch1's time was never published.
"""

from __future__ import annotations

from typing import NamedTuple


class PublishedResult(NamedTuple):
    label: str
    arch: str
    accuracy_low: float
    accuracy_high: float
    train_time_s: float | None  # None: the study did not publish it


PUBLISHED_RESULTS = (
    PublishedResult("study: arch1", "arch1", 0.46, 0.48, None),
    PublishedResult("study: arch2", "arch2", 0.59, 0.59, 808.0),
    PublishedResult("study: arch2, leaky ReLU", "arch2", 0.60, 0.60, 815.0),
    PublishedResult("study: arch3", "arch3", 0.56, 0.56, 1277.0),
)


class PublishedReplay(NamedTuple):
    """What the study published for one of its controlled sections, in its own setup (arch1,
    plain SGD, batch 256, lr 0.01, ReLU, raw 0–255 pixels, 10 epochs) unless `finding` says.

    Attributes:
        factor: the hyperparameter the section varied.
        accuracy: value → the accuracy it reported (empty when it reported only a finding).
        finding: the study's conclusion, in words.
        approximate: values derived from the study's words rather than a printed figure.
    """

    factor: str
    accuracy: dict
    finding: str
    approximate: tuple = ()


PUBLISHED_REPLAYS = {
    "batch_size": PublishedReplay(
        "batch_size", {1: 0.48, 32: 0.48, 256: 0.47, 1024: 0.24, 2048: 0.24, 8192: 0.14},
        "accuracy held at 47–48% up to batch 256 and collapsed from batch 1,024 (24%) to 8,192 (14%)"),
    "standardize": PublishedReplay(
        "standardize", {"raw": 0.47, "pixel": 0.34},
        "z-scoring each pixel cost about 13 points against the raw pixels, so the study kept raw pixels",
        approximate=("pixel",)),
    "lr": PublishedReplay(
        "lr", {}, "lr 0.01 minimised the loss best; lr 0.1 and 1 could not minimise it"),
    "arch": PublishedReplay(
        "arch", {"arch1": 0.47, "arch2": 0.59, "arch3": 0.56},
        "arch2 was the most accurate (59%), the deeper arch3 did worse (56%), arch1 reached 46–48%",
        approximate=("arch1",)),
}
STUDY_BEST_LR = 0.01
STUDY_STALLED_LRS = (0.1, 1.0)
