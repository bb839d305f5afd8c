"""The report's words for its verdicts: every sentence about what drives time or accuracy is
generated here from `reports.evidence.verdicts`, so the sections and the header cannot say
two things about one factor."""

from __future__ import annotations

from reports.evidence.rules import (CANNOT_TELL, DRIVER, MEANINGFUL_POINTS, MEANINGFUL_RATIO, NO_EVIDENCE, REPLAYS,
                                    SMALL, decided_by, join_names, name_of)
from reports.evidence.verdicts import ACCURACY, SEARCH, TIME, Verdict, Verdicts
from reports.wording import plural

SUBJECTS = {TIME: "the training time per epoch", ACCURACY: "validation accuracy"}
PRONOUNS = {TIME: "it", ACCURACY: "accuracy"}
SMALL_WORDS = {TIME: f"under {MEANINGFUL_RATIO:g}×", ACCURACY: f"under {100 * MEANINGFUL_POINTS:g} point"}


def question_sentence(found: Verdicts, question: str) -> str:
    """What changes `question` (TIME or ACCURACY), with the evidence and what is left open."""
    subject, trials = SUBJECTS[question], plural(found.trials.get(question, 0), "trial")
    every = found.of(question)
    if not every:
        return f"Cannot tell what drives {subject}: no hyperparameter varied among the trials it can use."
    basis = found.basis.get(question, "")
    drivers = found.of(question, DRIVER)
    if drivers:
        verb = ("drives" if len(drivers) == 1 else "drive") if question == TIME else \
            ("changes" if len(drivers) == 1 else "change")
        parts = [f"{join_names([v.factor for v in drivers]).capitalize()} {verb} {subject} ({basis}): "
                 + "; ".join(_evidence(v) for v in drivers) + "."]
    elif all(v.kind == CANNOT_TELL for v in every):
        reasons = {v.reason for v in every}
        if len(reasons) == 1:
            return f"Cannot tell what drives {subject} with {trials}: {reasons.pop()}."
        parts = [f"Cannot tell what drives {subject} with {trials} ({basis})."]
    elif question == TIME:
        parts = [f"No hyperparameter changes {subject} by {MEANINGFUL_RATIO:g}× or more with confidence ({basis})."]
    else:
        parts = [f"No hyperparameter is shown to change {subject} with {trials} ({basis})."]
    small = found.of(question, SMALL)
    if small:
        parts.append(f"Real but small ({SMALL_WORDS[question]}): " + "; ".join(_evidence(v) for v in small) + ".")
    parts += _open_questions(found, question)
    return " ".join(parts)


def headline_words(found: Verdicts, question: str) -> str:
    """The header's answer for `question`: the factors that change it, or why none is named."""
    named = [v.factor for v in found.of(question, DRIVER)]
    if named:
        return join_names(named)
    every = found.of(question)
    if not every or all(v.kind == CANNOT_TELL for v in every):
        return "cannot tell"
    if found.of(question, SMALL):
        return "only small effects"
    return f"no hyperparameter by {MEANINGFUL_RATIO:g}× or more" if question == TIME else "no hyperparameter shown"


def factor_words(verdict: Verdict | None, trials: int) -> str:
    """One factor's verdict on one question, as a clause ("elu beat relu by 4.1 points (…)")."""
    if verdict is None:
        return f"cannot tell with {plural(trials, 'trial')}"
    source = _source(verdict)
    if verdict.kind == CANNOT_TELL:
        return f"cannot tell with {plural(trials, 'trial')}: {verdict.reason}"
    if verdict.kind == NO_EVIDENCE and verdict.source != SEARCH:
        return f"no evidence of an effect{f' ({verdict.detail})' if verdict.detail else ''}{source}"
    if verdict.kind == NO_EVIDENCE and verdict.question == TIME:
        return f"no evidence of an effect with {plural(trials, 'trial')}"
    if verdict.kind == NO_EVIDENCE:
        numbers = f" ({verdict.detail})" if verdict.detail else ""
        return (f"no evidence of an effect with {plural(trials, 'trial')}{numbers}; {decided_by(verdict.factor)} "
                f"would decide")
    if verdict.question == TIME:
        return ("costs differ: " if verdict.kind == DRIVER else "small differences: ") + verdict.detail + source
    if verdict.kind == SMALL:
        return f"real but small: {verdict.detail}{source}"
    return _accuracy_evidence(verdict, trials) + source


def _evidence(verdict: Verdict) -> str:
    """The numbers behind a named factor; an accuracy verdict without a "beat" names its factor."""
    if verdict.question == TIME:
        return f"{verdict.detail}{_source(verdict)}"
    words = _accuracy_evidence(verdict, None)
    return f"{words if ' beat ' in words else f'{name_of(verdict.factor)}: {words}'}{_source(verdict)}"


def _accuracy_evidence(verdict: Verdict, trials: int | None) -> str:
    if " beat " in verdict.detail or verdict.source != SEARCH:
        return verdict.detail
    with_trials = f" with {plural(trials, 'trial')}" if trials is not None else ""
    return (f"its values differ, though no two are distinguishable{with_trials}"
            + (f" ({verdict.detail})" if verdict.detail else ""))


def _source(verdict: Verdict) -> str:
    return "" if verdict.source == SEARCH else f" (from {verdict.source})"


def _open_questions(found: Verdicts, question: str) -> list[str]:
    """The factors left open: no evidence (and what would decide), and those it cannot tell."""
    parts, trials = [], plural(found.trials.get(question, 0), "trial")
    none = [v.factor for v in found.of(question, NO_EVIDENCE) if v.source == SEARCH]
    for verdict in found.of(question, NO_EVIDENCE):
        if verdict.source != SEARCH:
            parts.append(f"No evidence that {name_of(verdict.factor)} changes {PRONOUNS[question]} in controlled runs"
                         f"{f' ({verdict.detail})' if verdict.detail else ''}{_source(verdict)}.")
    if none:
        verb = "changes" if len(none) == 1 else "change"
        replays = [f"`{REPLAYS[f]}`" for f in none if f in REPLAYS]
        decide = (f"controlled replays ({', '.join(replays)}) or more trials would decide" if replays
                  else "more trials that vary them would decide")
        parts.append(f"No evidence that {join_names(none)} {verb} {PRONOUNS[question]} with {trials}, the others "
                     f"held; {decide}.")
    said: set[str] = set()
    by_reason: dict[str, list[str]] = {}
    for verdict in found.of(question, CANNOT_TELL):
        if verdict.factor in said:
            continue
        partner = next((v for v in found.of(question, CANNOT_TELL) if v.factor != verdict.factor
                        and v.reason.startswith(f"it varied together with {name_of(verdict.factor)},")), None)
        if partner is not None:
            said |= {verdict.factor, partner.factor}
            parts.append(f"Cannot tell {name_of(verdict.factor)} from {name_of(partner.factor)} with {trials}: they "
                         f"varied together, and either explains {PRONOUNS[question]} as well.")
        else:
            by_reason.setdefault(verdict.reason, []).append(verdict.factor)
    parts += [f"Cannot tell for {join_names(factors)} with {trials}: {reason}."
              for reason, factors in by_reason.items()]
    return parts
