"""What a report page claims about each factor, read from its words as a person reads them.

A claim is a sentence (or the header's row) that names a factor as changing the training time
or validation accuracy, or one of its values as beating another; hedged sentences ("No evidence
that …", "Cannot tell …", "Not distinguishable …") claim nothing. Written against the wording of
the report before issue 23 as well as after, so that a planted-truth test reads both alike.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

from reports.build import build_report
from trainables.hyperparameters import TABLE

LABELS = sorted(((row.label, row.name) for row in TABLE), key=lambda pair: -len(pair[0]))
HEDGES = ("No evidence", "Cannot tell", "Not distinguishable", "No hyperparameter", "Optuna's importance is not")


class Claims(NamedTuple):
    """Factors a page says change time, and accuracy; and its words."""

    time: set[str]
    accuracy: set[str]
    text: str


def page_claims(folder) -> Claims:
    """Build the folder's report and read its claims."""
    page = build_report(folder).read_text(encoding="utf-8")
    headline = page.split('<section id="headline">', 1)[1].split("</section>", 1)[0]
    row = re.search(r"<th>what drives</th><td>(.*?)</td>", headline, flags=re.S)
    takeaways = [_plain(t) for t in re.findall(r'<p class="takeaway">(.*?)</p>', page, flags=re.S)]
    time, accuracy = set(), set()
    if row:
        time_words, _, accuracy_words = _plain(row[1]).partition("; validation accuracy:")
        time |= _named(time_words.removeprefix("training time per epoch:"))
        accuracy |= _named(accuracy_words.split("(details")[0])
    for sentence in (s for text in takeaways for s in sentences(text)):
        if sentence.startswith(HEDGES):
            continue
        said = re.sub(r"\([^()]*\)", "", sentence)  # the basis in brackets names no factor
        head = re.match(r"(.+?) (drives?|matters most for|changes?|helps? predict) (the training time|validation "
                        r"accuracy|accuracy)", said)
        if head:
            named = _named(head[1])
            (time if head[3] == "the training time" else accuracy).update(named)
        if said.startswith("Real but small"):
            (time if "×" in said else accuracy).update(_named(said))
        for name, _, rest in re.findall(r"(\b[A-Z][a-z][a-z ]+?): ([^;]*?)(;|$)", said):
            factor = _factor(name.lower())
            if factor and (" beat " in rest or rest.startswith(("its values differ", "real but small"))):
                accuracy.add(factor)
        for name in re.findall(r"(\b[A-Z][a-z][a-z ]+?): [^.]*?time per epoch: (?:costs differ|small differences)",
                               said):
            if _factor(name.lower()):
                time.add(_factor(name.lower()))
    return Claims(time, accuracy, " ".join(takeaways))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?]) (?=[A-Z])", text)]


def _plain(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _named(words: str) -> set[str]:
    """The factors a list of names mentions ("architecture, batch size and batch norm", or
    Optuna's parameter names such as `batch_norm`)."""
    found, rest = set(), words.lower()
    for label, name in LABELS:
        for spelling in (label, name):
            if re.search(rf"(?<![\w_]){re.escape(spelling)}(?![\w_])", rest):
                found.add(name)
                rest = re.sub(rf"(?<![\w_]){re.escape(spelling)}(?![\w_])", " ", rest)
    return found


def _factor(words: str) -> str | None:
    named = _named(words)
    return next(iter(named)) if len(named) == 1 else None
