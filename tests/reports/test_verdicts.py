"""One verdict per factor and question, read alike by every section and the header; a
controlled experiment's decided verdict replaces a question the search left open."""

from __future__ import annotations

import pytest

from benchmarks.planted import KINDS, planted_experiment, write_planted
from reports.evidence import verdicts as verdicts_module
from reports.evidence.verdicts import ACCURACY, TIME, Verdict, Verdicts, verdicts
from reports.evidence.rules import CANNOT_TELL, DRIVER, NO_EVIDENCE
from reports.evidence.sentences import question_sentence
from reports.experiment import load_experiment
from reports.figures.comparisons import factor_sentence
from reports.headline import drivers_text

CONTROLLED = Verdict("activation", ACCURACY, DRIVER, detail="relu beat elu by 6.0 points (95% CI +2.0 to +10.0 "
                     "points; 5 vs 5 runs)", source="explain/activation")


def test_a_controlled_verdict_replaces_an_open_one_and_leaves_a_finding():
    search = Verdicts([Verdict("activation", ACCURACY, NO_EVIDENCE), Verdict("lr", ACCURACY, CANNOT_TELL,
                                                                              reason="too few trials at each value"),
                       Verdict("batch_norm", ACCURACY, DRIVER, detail="batch norm True beat batch norm False")])
    found = search.updated([CONTROLLED, Verdict("lr", ACCURACY, NO_EVIDENCE, source="explain/lr"),
                            Verdict("batch_norm", ACCURACY, NO_EVIDENCE, source="explain/batch_norm")])
    assert found.get("activation", ACCURACY) == CONTROLLED
    assert found.get("lr", ACCURACY).source == "explain/lr"  # "no evidence" from a controlled run is an answer
    assert found.get("batch_norm", ACCURACY).kind == DRIVER  # a finding of the search stays
    assert found.named(ACCURACY) == ["activation", "batch_norm"]


@pytest.mark.parametrize("field, value", [("kind", "matters"), ("question", "speed")])
def test_a_verdict_outside_the_vocabulary_is_refused(field, value):
    with pytest.raises(ValueError, match=f"The value of `{field}` is '{value}'"):
        Verdict("lr", **{"question": TIME, "kind": DRIVER, field: value})


def test_every_section_and_the_header_say_a_controlled_verdict(tmp_path, monkeypatch):
    folder = write_planted(tmp_path / "null", planted_experiment(KINDS["null"], 0))
    monkeypatch.setattr(verdicts_module, "controlled", lambda experiment: (CONTROLLED,))
    experiment = load_experiment(folder)
    found = verdicts(experiment)
    assert found.get("activation", ACCURACY) == CONTROLLED
    assert "validation accuracy: activation (details" in drivers_text(experiment)
    assert question_sentence(found, ACCURACY).startswith("Activation changes validation accuracy (")
    assert "relu beat elu by 6.0 points" in question_sentence(found, ACCURACY)
    assert factor_sentence(found, "activation").startswith("Activation: relu beat elu by 6.0 points (95% CI +2.0 "
                                                           "to +10.0 points; 5 vs 5 runs) (from explain/activation)")
