"""The headline says which model is the deliverable and what each step from the search's best
checkpoint to it added, on validation and on the test split, with the test change's interval."""

from __future__ import annotations

from html import unescape

from report_fixtures import synthetic_summary, trial, write_experiment

from experiment.schema import (DELIVERABLE, ENSEMBLE, FINAL_TRAINING, FLIP_STEP, MEMBERS, MODEL, SEARCH_BEST, STEP,
                               STEPS, TEST_CHANGE)
from reports.experiment import load_experiment
from reports.headline import headline, headline_html


def _step(name: str, val: float, test: float, change: list[float] | None = None, chosen: bool = False) -> dict:
    return {STEP: name, MODEL: f"the {name} model", "val_acc": val, "test_acc": test, DELIVERABLE: chosen,
            **({TEST_CHANGE: change} if change else {})}


def _html(tmp_path, best: dict | None) -> str:
    summary = {**synthetic_summary("exp", synthetic=False), "best": best}
    folder = write_experiment(tmp_path / "exp", [trial("a", acc=0.56)], summary=summary, study=False)
    return unescape(headline_html(headline(load_experiment(folder))))


def test_the_steps_row_shows_each_step_and_marks_the_deliverable(tmp_path):
    steps = [_step(SEARCH_BEST, 0.564, 0.564), _step(FINAL_TRAINING, 0.66, 0.67, [0.106, 0.09, 0.12]),
             _step(FLIP_STEP, 0.67, 0.675, [0.005, -0.004, 0.014]),
             _step(ENSEMBLE, 0.69, 0.70, [0.025, 0.015, 0.035], chosen=True)]
    best = {"trial_id": "x1", "config": {"arch": "arch2"}, "val_acc": 0.69, "test_acc": 0.70,
            "test_split": "PrivateTest", "train_time_s": 300.0, MODEL: "ensemble of 2 models (weights 3/1) with flip",
            STEPS: steps,
            MEMBERS: [{"trial_id": "x1", "weight": 3}, {"trial_id": "x2", "weight": 1}]}
    html = _html(tmp_path, best)
    assert "from search to model" in html and "ensemble of 2 models (weights 3/1) with flip, led by trial x1" in html
    assert "s of training" not in html  # the leading model's time is not the ensemble's
    row = html[html.index("<table class=\"steps\">"):html.index("</table>", html.index("<table class=\"steps\">"))]
    assert row.count("<tr>") == 5 and row.count("← best/") == 1
    assert "ensemble <strong>← best/</strong>" in row
    assert "+10.6 points (95% CI +9.0 to +12.0 points)" in row
    assert "+0.5 points, cannot tell from noise (95% CI -0.4 to +1.4 points)" in row  # the interval spans zero
    assert "<th>PrivateTest</th>" in row


def test_without_steps_there_is_no_steps_row(tmp_path):
    best = {"trial_id": "x1", "config": {"arch": "arch2"}, "val_acc": 0.6, "test_acc": 0.6, "test_split": "PrivateTest"}
    assert "from search to model" not in _html(tmp_path, best)
