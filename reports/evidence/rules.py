"""The rules every sentence of the report follows, and the words it uses for numbers.

A sentence is a claim a person will act on, so:
- a factor is said to change time or accuracy only when its test passes at `FAMILY_CONFIDENCE`
  for all the factors of that question at once (Holm's step-down correction, `holm`), so that
  a search of eleven factors is not eleven chances of a false claim;
- "A beat B" only when, besides, the interval of the difference excludes zero and each side has
  at least `MIN_TRIALS_PER_SIDE` trials; otherwise "not distinguishable with N trials", and
  what would decide it;
- a time effect under `MEANINGFUL_RATIO`, or an accuracy lead under `MEANINGFUL_POINTS`, is
  "real but small";
- a configuration is "faster" only when it is at least `FASTER` times faster;
- diverged trials are counted as diverged, never averaged in as low accuracies.

Every factor gets one verdict per question, in these words: `DRIVER` (it changes it),
`SMALL` (it does, by less than is worth acting on), `NO_EVIDENCE` (its test did not pass) or
`CANNOT_TELL` (the trials cannot test it: too few at a value, or it varied with another factor
that explains as much).
"""

from __future__ import annotations

import math

import numpy as np
from statsmodels.stats.multitest import multipletests

from trainables.hyperparameters import BY_NAME

MIN_TRIALS_PER_SIDE = 3
FASTER = 1.5
FAMILY_CONFIDENCE = 0.99
"""Of a question's claims at once: a report makes a claim about each of a dozen factors, and a
person acts on every one (benchmarks/RESULTS.md, "The report's evidence engine")."""
CONFIDENCE = 0.95
"""Of each interval, for all of one factor's contrasts at once (Bonferroni)."""
MEANINGFUL_RATIO = 1.25
MEANINGFUL_POINTS = 0.01
DRIVER, SMALL, NO_EVIDENCE, CANNOT_TELL = "driver", "small", "no evidence", "cannot tell"
KINDS = (DRIVER, SMALL, NO_EVIDENCE, CANNOT_TELL)
REPLAYS = {row.name: f"--space {row.replay}" for row in BY_NAME.values() if row.replay}
"""The controlled replay that decides a question about one factor, where the project has one."""


def name_of(factor: str) -> str:
    """A hyperparameter's name in a sentence ("learning rate"); other factors (device) by their own."""
    return BY_NAME[factor].label if factor in BY_NAME else factor


def prefix_of(factor: str) -> str:
    """How a sentence names one of the factor's values: "lr" 0.01, "batch" 256, "" for arch2."""
    return BY_NAME[factor].prefix if factor in BY_NAME else factor


def value_text(factor: str, value) -> str:
    """A value with its prefix: "lr 0.01", "batch 256", "arch2", "pixels/255" (a value that tells itself)."""
    row = BY_NAME.get(factor)
    if row is not None and row.value_words and str(value) in row.value_words:
        return row.value_words[str(value)]
    prefix = prefix_of(factor)
    return f"{prefix} {value}" if prefix else str(value)


def join_names(factors: list[str]) -> str:
    """"architecture", "architecture and batch size", "a, b and c"."""
    names = [name_of(f) for f in factors]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ratio_text(ratio: float, extra: int = 0) -> str:
    """14×, 7.7×, 1.06×, 0.62×: as precise as such a ratio is (`extra` more decimals)."""
    decimals = 0 if ratio >= 10 else 1 if ratio >= 2 else 2
    return f"{ratio:.{decimals + extra}f}×"


def interval_text(low: float, high: float, ratio: bool = False) -> str:
    """"95% CI 12–16×" for a ratio (decimals enough to tell its ends apart); "95% CI -2.0 to
    +4.1 points" for a difference of accuracy."""
    if ratio:
        extra = next((e for e in (0, 1, 2) if ratio_text(low, e) != ratio_text(high, e)), 2)
        return f"95% CI {ratio_text(low, extra).rstrip('×')}–{ratio_text(high, extra)}"
    return f"95% CI {100 * low:+.1f} to {100 * high:+.1f} points"


def points(difference: float) -> str:
    return f"{100 * difference:.1f} points"


def decided_by(factor: str) -> str:
    """What would decide a question the search could not."""
    replay = REPLAYS.get(factor)
    more = "more trials that vary it"
    return f"a controlled replay (`{replay}`) or {more}" if replay else more


def distinguishable(low: float, high: float, trials_a: int, trials_b: int) -> bool:
    """The rule for "A beat B": the interval excludes zero and each side has enough trials."""
    return (not math.isnan(low) and (low > 0 or high < 0)
            and min(trials_a, trials_b) >= MIN_TRIALS_PER_SIDE)


def holm(p_values: dict[str, float]) -> dict[str, float]:
    """Holm-adjusted p-values of one question's factors (NaN stays NaN, and counts for nothing):
    a factor passes when its adjusted p-value is below 1 - `FAMILY_CONFIDENCE`."""
    tested = {name: p for name, p in p_values.items() if not math.isnan(p)}
    adjusted = dict.fromkeys(p_values, math.nan)
    if tested:
        _, corrected, _, _ = multipletests(np.array(list(tested.values())), method="holm")
        adjusted.update(zip(tested, map(float, corrected)))
    return adjusted


def passes(adjusted_p: float) -> bool:
    return not math.isnan(adjusted_p) and adjusted_p < 1 - FAMILY_CONFIDENCE
