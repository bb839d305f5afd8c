"""One verdict per factor and question, computed once, read by every section and the header.

A verdict says what the evidence lets a person act on: whether a factor changes the training
time per epoch (`TIME`) or validation accuracy (`ACCURACY`), in one of the words of
`reports.evidence.rules` — `DRIVER`, `SMALL`, `NO_EVIDENCE`, `CANNOT_TELL` — with the numbers
behind it in words (`detail`) or why it cannot be told (`reason`), and where it comes from
(`source`). The search's verdicts come from the time and accuracy models; a controlled
experiment's verdict on a question the search left open replaces the search's there
(`Verdicts.updated`, fed by `controlled`, which reads them).

    found = verdicts(experiment)
    found.get("arch", TIME).kind                 # "driver"
    found.named(ACCURACY)                        # ["batch_norm", "lr"]: what changes accuracy
    found.updated([Verdict("lr", ACCURACY, DRIVER, detail="…", source="explain/lr")])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np

from experiment.files import EXPLAIN_DIR
from reports.evidence.accuracy_model import AccuracyModel
from reports.evidence.explained import ABLATION, arm_effects, explain_runs
from reports.evidence.models import accuracy_model, time_model
from reports.evidence.rules import CANNOT_TELL, DRIVER, KINDS, MEANINGFUL_POINTS, MEANINGFUL_RATIO, NO_EVIDENCE, SMALL
from reports.evidence.time_model import TimeModel
from reports.experiment import Experiment
from reports.hyperparameters import format_value

TIME, ACCURACY = "time", "accuracy"
QUESTIONS = (TIME, ACCURACY)
SEARCH = "search"
OPEN = (NO_EVIDENCE, CANNOT_TELL)
"""Kinds that leave the question open: a controlled experiment's verdict replaces them."""


@dataclass(frozen=True)
class Verdict:
    """What one factor does to one question.

    Attributes:
        factor: a hyperparameter (trials.parquet's column), or `device` / `precision`.
        question: `TIME` (seconds per epoch) or `ACCURACY` (validation accuracy).
        kind: `DRIVER`, `SMALL`, `NO_EVIDENCE` or `CANNOT_TELL` (`reports.evidence.rules`).
        detail: the numbers it rests on, in words ("arch3 vs arch1: 14× (95% CI 12–16×)",
            "batch norm True beat batch norm False by 9.8 points (…)"); may be empty.
        reason: why the trials cannot tell, for `CANNOT_TELL` ("too few trials at each value").
        source: `SEARCH`, or the controlled experiment that decided it (its folder, say).
        adjusted_p: its test's p-value after the correction for many factors, where it had one.
    """

    factor: str
    question: str
    kind: str
    detail: str = ""
    reason: str = ""
    source: str = SEARCH
    adjusted_p: float | None = None

    def __post_init__(self) -> None:
        if self.question not in QUESTIONS:
            raise ValueError(f"The value of `question` is {self.question!r}, but must be one of {QUESTIONS}")
        if self.kind not in KINDS:
            raise ValueError(f"The value of `kind` is {self.kind!r}, but must be one of {KINDS}")


class Verdicts:
    """Every verdict of an experiment, at most one per (factor, question), in the order given;
    per question, what the search's verdicts rest on (`basis`, in words) and how many trials
    (`trials`)."""

    def __init__(self, verdicts: Iterable[Verdict], basis: dict[str, str] | None = None,
                 trials: dict[str, int] | None = None):
        self._verdicts: dict[tuple[str, str], Verdict] = {}
        for verdict in verdicts:
            self._verdicts[(verdict.factor, verdict.question)] = verdict
        self.basis = dict(basis or {})
        self.trials = dict(trials or {})

    def get(self, factor: str, question: str) -> Verdict | None:
        return self._verdicts.get((factor, question))

    def of(self, question: str, *kinds: str) -> list[Verdict]:
        """The question's verdicts (of the given kinds, if any are given)."""
        return [v for (_, q), v in self._verdicts.items() if q == question and (not kinds or v.kind in kinds)]

    def named(self, question: str) -> list[str]:
        """The factors said to change the question: drivers first, then small effects."""
        return [v.factor for v in self.of(question, DRIVER)] + [v.factor for v in self.of(question, SMALL)]

    def updated(self, controlled: Iterable[Verdict]) -> "Verdicts":
        """These verdicts with each verdict of a controlled experiment (but a "cannot tell")
        replacing the search's on its factor and question where the search left it open
        (`OPEN`): the controlled runs varied that factor alone, which is the better evidence on
        it. A finding of the search (`DRIVER`, `SMALL`) stays: it holds across the space the
        search covered, where a controlled run tells about the configurations it varied."""
        merged = dict(self._verdicts)
        for verdict in controlled:
            key = (verdict.factor, verdict.question)
            if verdict.kind != CANNOT_TELL and (key not in merged or merged[key].kind in OPEN):
                merged[key] = verdict
        return Verdicts(merged.values(), self.basis, self.trials)

    def __iter__(self):
        return iter(self._verdicts.values())


def search_verdicts(time: TimeModel, accuracy: AccuracyModel) -> Verdicts:
    """The search's own verdicts, from its two models."""
    found = []
    for model, question in ((time, TIME), (accuracy, ACCURACY)):
        for factor in model.factors:
            kind = model.kind(factor.name)
            adjusted = model.tests.loc[model.tests["factor"] == factor.name, "adjusted_p"].iloc[0]
            found.append(Verdict(factor.name, question, kind, detail=model.detail(factor.name) if kind != CANNOT_TELL
                                 else "", reason=model.reason(factor.name),
                                 adjusted_p=None if adjusted != adjusted else float(adjusted)))
    return Verdicts(found, {TIME: time.basis(), ACCURACY: accuracy.basis()},
                    {TIME: time.trials, ACCURACY: accuracy.trials})


def controlled(experiment: Experiment) -> tuple[Verdict, ...]:
    """Verdicts of the controlled runs of `python -m search.explain` (`explain/`), where it ran:
    for accuracy, each ablation its paired test decided (Holm over the ablations, at least
    `MIN_TRIALS_PER_SIDE` seeds); for time, each ablation whose seconds-per-epoch ratio has a
    95% interval that excludes 1. A driver at a point (or 1.25×) or more, else small."""
    effects = arm_effects(explain_runs(experiment))
    found = []
    for _, row in effects[effects["kind"] == ABLATION].iterrows():
        source, seeds = f"{EXPLAIN_DIR}/", f"{row['seeds']} seeds, controlled runs"
        best, put_back = format_value(row["base"]), format_value(row["value"])
        if row["decided"]:
            kind = DRIVER if abs(row["difference"]) >= MEANINGFUL_POINTS else SMALL
            found.append(Verdict(row["changed"], ACCURACY, kind, source=source, detail=(
                f"{best} over {put_back}: {-100 * row['difference']:+.1f} points "
                f"(95% CI {-100 * row['high']:+.1f} to {-100 * row['low']:+.1f}; {seeds})")))
        if np.isfinite(row["time_low"]) and (row["time_low"] > 1 or row["time_high"] < 1):
            kind = DRIVER if max(row["time_ratio"], 1 / row["time_ratio"]) >= MEANINGFUL_RATIO else SMALL
            found.append(Verdict(row["changed"], TIME, kind, source=source, detail=(
                f"{put_back} vs {best}: {row['time_ratio']:.2f}× "
                f"(95% CI {row['time_low']:.2f}–{row['time_high']:.2f}×; {seeds})")))
    return tuple(found)


_VERDICTS: WeakKeyDictionary = WeakKeyDictionary()


def verdicts(experiment: Experiment) -> Verdicts:
    """The experiment's verdicts, computed once: the search's, updated by controlled experiments."""
    if experiment not in _VERDICTS:
        _VERDICTS[experiment] = search_verdicts(time_model(experiment), accuracy_model(experiment)).updated(
            controlled(experiment))
    return _VERDICTS[experiment]
