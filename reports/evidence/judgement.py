"""From each factor's test to its verdict's kind: the rule the time and accuracy models share.

A factor's test passes when its Holm-adjusted p-value is below 5% (`reports.evidence.rules`);
it is then a `DRIVER`, or `SMALL` when its effect is under the meaningful size. A factor whose
test fails has `NO_EVIDENCE`, unless it varied strongly with another that fails too while the
two, tested together, pass: then neither can be named (`CANNOT_TELL`, each "varied together"
with the other). A factor the trials cannot test at all — too few at each value, too few to
hold what varied with it, never apart from another — is `CANNOT_TELL`, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from reports.evidence.linear import MIN_RESIDUAL_DF, Fit
from reports.evidence.rules import (CANNOT_TELL, DRIVER, FAMILY_CONFIDENCE, MIN_TRIALS_PER_SIDE, NO_EVIDENCE, SMALL,
                                    holm, join_names, passes)

STRONGLY_TOGETHER = 0.5
"""Cramér's V above which two factors that fail their own tests are tested together."""
TEST_COLUMNS = ("factor", "p_value", "adjusted_p", "kind", "reason")


@dataclass(frozen=True)
class FactorTest:
    """What one factor's verdict is decided from.

    Attributes:
        name: the factor.
        fit: the model that judges it (None when the trials cannot afford one).
        p_value: its test's p-value in that model (NaN when its columns alias others').
        enough_trials: whether at least two of its values have `MIN_TRIALS_PER_SIDE` trials.
        meaningful: whether its effect is large enough to act on.
    """

    name: str
    fit: Fit | None
    p_value: float
    enough_trials: bool
    meaningful: bool


def verdict_table(tests: list[FactorTest], together: dict[str, dict[str, float]], explains: str) -> pd.DataFrame:
    """One row per factor (`TEST_COLUMNS`), Holm-adjusted across `tests`; `explains` ends the
    reason two tangled factors share ("the times", "accuracy")."""
    adjusted = holm({t.name: t.p_value for t in tests})
    tested = sum(not math.isnan(t.p_value) for t in tests)
    rows = {t.name: _row(t, adjusted[t.name], together.get(t.name, {})) for t in tests}
    fits = {t.name: t.fit for t in tests}
    for name, partners in together.items():
        for other, strength in partners.items():
            if strength < STRONGLY_TOGETHER or name not in rows or other not in rows:
                continue
            if rows[name]["kind"] != NO_EVIDENCE or rows[other]["kind"] != NO_EVIDENCE:
                continue
            fit = fits[name]
            if fit is None or other not in fit.offsets:
                continue
            joint = fit.f_test([name, other])
            if not math.isnan(joint) and joint * max(tested, 1) < 1 - FAMILY_CONFIDENCE:
                for a, b in ((name, other), (other, name)):
                    rows[a].update(kind=CANNOT_TELL, reason=f"it varied together with {_name(b)}, and either "
                                                            f"explains {explains} as well")
    return pd.DataFrame(list(rows.values()), columns=list(TEST_COLUMNS))


def cannot_tell(factor: str, reason: str) -> dict:
    return {"factor": factor, "p_value": math.nan, "adjusted_p": math.nan, "kind": CANNOT_TELL, "reason": reason}


def _row(test: FactorTest, adjusted: float, partners: dict[str, float]) -> dict:
    if not test.enough_trials:
        return cannot_tell(test.name, f"too few trials at each value (at least {MIN_TRIALS_PER_SIDE} are needed)")
    if test.fit is None:
        return cannot_tell(test.name, f"too few trials to judge it holding the factors that varied with it "
                                      f"({join_names(list(partners))})" if partners else
                           f"too few trials to judge any factor (at least {MIN_RESIDUAL_DF + 3} are needed)")
    if math.isnan(test.p_value):
        return cannot_tell(test.name, "it never varied apart from " + (join_names(list(partners)) or "the others"))
    kind = (DRIVER if test.meaningful else SMALL) if passes(adjusted) else NO_EVIDENCE
    return {"factor": test.name, "p_value": test.p_value, "adjusted_p": adjusted, "kind": kind, "reason": ""}


def _name(factor: str) -> str:
    return join_names([factor])
