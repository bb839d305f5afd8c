"""The accuracy–time hypervolume both time-aware benchmarks score a search by (one formula)."""

from __future__ import annotations

from collections.abc import Iterable


def hypervolume(points: Iterable[tuple[float, float]], reference_acc: float, reference_s: float) -> float:
    """Area dominated by (seconds ↓, accuracy ↑) points above `reference_acc` and left of
    `reference_s` (a 2-D sweep, fastest first: each point adds the strip it improves)."""
    area, best = 0.0, reference_acc
    for seconds, accuracy in sorted(points):
        if accuracy > best and seconds < reference_s:
            area += (accuracy - best) * (reference_s - seconds)
            best = accuracy
    return area
