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
