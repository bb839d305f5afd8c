"""Odd but valid searches build a whole page, with notes where a figure has nothing to show."""

from __future__ import annotations

import re
from html import unescape

from plotly.offline import get_plotlyjs
from report_fixtures import synthetic_summary, trial, write_experiment

from experiment.schema import NO_EARLY_STOPPING
from reports.build import SECTIONS, build_report


def _page(folder) -> str:
    html = build_report(folder).read_text()
    assert "could not be drawn" not in html  # no figure fell over
    assert len(re.findall(r'<section id="section-\d+">', html)) == len(SECTIONS)
    return unescape(html)


def test_every_trial_pruned_or_diverged_gives_notes_instead_of_full_run_comparisons(tmp_path):
    folder = write_experiment(tmp_path / "pruned", [
        trial("a", "pruned", acc=0.3, time=5.0, epochs=1, lr=0.01),
        trial("b", "pruned", acc=0.4, time=9.0, epochs=2, lr=0.1, batch_size=32),
        trial("c", "diverged", acc=0.2, time=3.0, epochs=1, lr=1.0, batch_size=32),
    ], summary=synthetic_summary("pruned"))
    html = _page(folder)
    assert "no trial ran to the end, so there is no full run to compare" in html
    assert html.count("No trial ran to the end, so there is no front of full runs to find a knee on.") == 2  # + section
    assert "Only 0 completed trial(s) with a validation accuracy" in html  # c, COMPLETE in Optuna, diverged
    assert "trained 4 of the 9 epochs" in html


def test_a_one_factor_grid_compares_what_varied_and_says_what_did_not(tmp_path):
    lrs = (0.0001, 0.001, 0.01, 0.1, 1.0)
    folder = write_experiment(tmp_path / "lr", [trial(f"t{i}", acc=0.3 + 0.05 * i, time=100.0 + i, lr=lr)
                                                 for i, lr in enumerate(lrs)],
                              summary=synthetic_summary("lr", scheduler=NO_EARLY_STOPPING))
    html = _page(folder)
    assert "Among the 5 completed trials only lr varied" in html
    assert "Batch size did not vary: every trial used 256" in html
    assert "Neither activation nor standardization varied" in html
    assert "batch size 256 held, so there is no interaction to map" in html
    assert "Controlled replay of learning rate: 1 ended most accurate (50.0% at the last epoch)." in html
    assert "without early stopping" in html


def test_a_single_trial_builds_with_its_numbers_and_notes(tmp_path):
    folder = write_experiment(tmp_path / "one", [trial("only", acc=0.42, time=7.0)],
                              summary=synthetic_summary("one"))
    html = _page(folder)
    assert "1 of 1 trials are on the Pareto front, the single point 42.0% in 7.0 s" in html
    assert "is also the fastest within 1 point: nothing to save" in html
    assert html.count("The most accurate trial is also the knee: trial only, 42.0% in 7.0 s") == 2  # + section
    assert "learning rate 0.01 and batch size 256 held, so there is no interaction to map" in html
    assert "Only 1 completed trial(s)" in html


def test_missing_values_summary_and_study_leave_notes_not_crashes(tmp_path):
    rows = [trial("a", acc=0.5, time=10.0, lr=0.01), trial("b", acc=0.6, time=None, lr=0.1),
            trial("c", "failed", acc=None, time=None, epochs=0, lr=None, batch_size=None)]
    for row in rows:
        row.update(param_count=None, images_per_s=None, precision=None, best_epoch=None)
    html = _page(write_experiment(tmp_path / "gaps", rows, study=False))
    assert "DATA SET UNKNOWN" in html and "summary.json is missing" in html
    assert "The Optuna study was not found" in html
    assert "2 trial(s) without a positive training time or a validation accuracy are not shown." in html


def test_no_finished_epoch_at_all_still_gives_a_page(tmp_path):
    folder = write_experiment(tmp_path / "crashed", [trial("a", "failed", acc=None, time=None, epochs=0)],
                              summary=synthetic_summary("crashed"), epochs=[])
    html = _page(folder)
    assert "No trial reported a finished epoch" in html
    assert "No trial has both a validation accuracy and a training time" in html


def test_plotly_js_is_inlined_once_and_nothing_is_fetched(tmp_path):
    folder = write_experiment(tmp_path / "two", [trial("a", acc=0.5, lr=0.01), trial("b", acc=0.6, lr=0.1)],
                              summary=synthetic_summary("two"))
    html = build_report(folder).read_text()
    plotly_js = get_plotlyjs()
    assert html.count(plotly_js) == 1
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html.replace(plotly_js, ""))


def test_the_trade_off_section_tabulates_the_near_best_full_runs(tmp_path):
    # front a (10 s, 0.50), b (100 s, 0.58), c (1,000 s, 0.60): lifts 0, 0.8 - 0.5, 0 -> knee b
    folder = write_experiment(tmp_path / "three", [trial("a", acc=0.50, time=10.0, lr=0.1),
                                                    trial("b", acc=0.58, time=100.0, lr=0.01),
                                                    trial("c", acc=0.60, time=1000.0, lr=0.001)],
                              summary=synthetic_summary("three"))
    html = _page(folder)
    start = html.index("<h2>2. Accuracy–time trade-off</h2>")
    section = html[start:html.index("</section>", start)]
    assert "The knee, trial b, reaches 96.7% of the best accuracy in 10.0× less training time" in section
    assert 'class="plotly-graph-div"' in section and "fastest within 5 points" in section
