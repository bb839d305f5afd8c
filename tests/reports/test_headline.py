"""The headline block: data-quality warnings in the data banner, the search's objective, the knee row."""

from __future__ import annotations

from html import unescape

import pytest
from report_fixtures import synthetic_summary, trial, write_experiment

from reports.experiment import load_experiment
from reports.headline import headline, headline_html

TRIALS = [trial("fast", acc=0.50, time=10.0, lr=0.1), trial("mid", acc=0.58, time=100.0, lr=0.01),
          trial("slow", acc=0.60, time=1000.0, lr=0.001)]


def _headline_html(tmp_path, summary: dict | None, trials: list | None = None) -> str:
    folder = write_experiment(tmp_path / "exp", trials or [dict(row) for row in TRIALS], summary=summary, study=False)
    return headline_html(headline(load_experiment(folder)))


def _banner(html: str) -> str:
    return html[:html.index("</div>")]


def _with(summary: dict, **search) -> dict:
    return {**summary, "search": {**summary["search"], **search}}


def test_data_quality_warnings_are_shown_escaped_in_the_data_banner(tmp_path):
    summary = synthetic_summary("exp", synthetic=False)
    summary["data"]["quality"] = {"warnings": ["412 duplicate images across train and test",
                                               "class <disgust> has 1.5% of the images"]}
    banner = _banner(_headline_html(tmp_path, summary))
    assert banner.count('<p class="warning">') == 2
    assert "412 duplicate images across train and test</p>" in banner
    assert "class &lt;disgust&gt; has 1.5% of the images" in banner and "<disgust>" not in banner


def test_warnings_also_reach_a_synthetic_banner(tmp_path):
    summary = synthetic_summary("exp")
    summary["data"]["quality"] = {"warnings": ["only 7 classes of 8 present"]}
    banner = _banner(_headline_html(tmp_path, summary))
    assert "SYNTHETIC DATA" in banner and "only 7 classes of 8 present" in banner


@pytest.mark.parametrize("quality", [None, {}, {"warnings": []}, {"warnings": None}, "not a dict"])
def test_no_warning_paragraph_without_warnings(tmp_path, quality):
    summary = synthetic_summary("exp", synthetic=False)
    if quality is not None:
        summary["data"]["quality"] = quality
    assert 'class="warning"' not in _headline_html(tmp_path, summary)


def test_a_pareto_search_says_it_optimised_accuracy_and_time_jointly(tmp_path):
    html = _headline_html(tmp_path, _with(synthetic_summary("exp"), objective="pareto"))
    assert "optimised validation accuracy and full-run training time jointly" in html


@pytest.mark.parametrize("objective", ["accuracy", None])
def test_an_accuracy_search_or_one_that_does_not_say_optimised_accuracy_alone(tmp_path, objective):
    summary = synthetic_summary("exp") if objective is None else _with(synthetic_summary("exp"), objective=objective)
    html = _headline_html(tmp_path, summary)
    assert "space <code>test</code>; optimised validation accuracy; varied lr" in html
    assert "jointly" not in html


def test_the_knee_row_gives_the_sentence(tmp_path):
    # front fast, mid, slow: x' = 0, 0.5, 1; y' = 0, 0.8, 1 -> knee mid: 0.58 / 0.60 = 96.7% in 10.0x less time
    html = unescape(_headline_html(tmp_path, synthetic_summary("exp")))
    assert ("<tr><th>knee</th><td>The knee, trial mid, reaches 96.7% of the best accuracy in 10.0× less training "
            "time (58.0% in 100.0 s against trial slow's 60.0% in 1,000.0 s; config arch=arch1, lr=0.01,") in html


def test_the_knee_row_without_a_full_run_says_why(tmp_path):
    html = unescape(_headline_html(tmp_path, synthetic_summary("exp"), [trial("p", "pruned", acc=0.3, epochs=1)]))
    assert "<th>knee</th><td>No trial ran to the end, so there is no front of full runs to find a knee on." in html
