"""Each figure's takeaway states numbers computed from the data, checked here by hand."""

from __future__ import annotations

from html import unescape

import pytest
from report_fixtures import synthetic_summary, trial, write_experiment

from reports import figures
from reports.experiment import load_experiment
from reports.headline import headline, headline_html


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """Eight trials over two lrs, two batch sizes, two activations and two standardizations."""
    rows = [
        trial("a", acc=0.60, time=800.0, epochs=10, max_epochs=10, arch="arch2", lr=0.01, batch_size=32,
              activation="leaky_relu", standardize="pixel"),
        trial("b", acc=0.595, time=400.0, epochs=10, max_epochs=10, arch="arch2", lr=0.01, batch_size=256,
              activation="relu", standardize="pixel"),
        trial("c", acc=0.50, time=300.0, epochs=10, max_epochs=10, lr=0.1, batch_size=256, activation="relu"),
        trial("d", acc=0.55, time=600.0, epochs=10, max_epochs=10, lr=0.1, batch_size=32, activation="leaky_relu",
              standardize="pixel"),
        trial("e", "pruned", acc=0.30, time=30.0, epochs=1, max_epochs=10, lr=0.1, batch_size=256),
        trial("f", "pruned", acc=0.35, time=90.0, epochs=3, max_epochs=10, lr=0.01, batch_size=32),
        trial("g", "diverged", acc=0.20, time=20.0, epochs=2, max_epochs=10, lr=0.1, batch_size=32,
              activation="leaky_relu"),
        trial("h", "failed", acc=None, time=None, epochs=0, max_epochs=10),
    ]
    folder = write_experiment(tmp_path_factory.mktemp("figures") / "eight", rows,
                              summary=synthetic_summary("eight", synthetic=False))
    return load_experiment(folder)


def test_accuracy_vs_time_counts_the_pareto_front(experiment):
    panel = figures.accuracy_vs_time(experiment)
    # front: g (20 s), e (30 s), f (90 s), c (300 s), b (400 s), a (800 s); d is dominated by b
    assert panel.takeaway.startswith("6 of 7 trials are on the Pareto front, from 20.0% in 20.0 s (trial g)")
    assert "to 60.0% in 800.0 s (trial a, arch2)" in panel.takeaway
    assert len(panel.figure.data) >= 4


def test_accuracy_vs_time_rings_the_knee_of_the_full_runs(experiment):
    # full-run front c (300 s, 0.50), b (400 s, 0.595), a (800 s, 0.60); d is dominated by b.
    # x' = log10(t / 300) / log10(800 / 300) = 0, 0.293, 1; y' = 0, 0.95, 1 -> b lifts 0.66 above the chord
    panel = figures.accuracy_vs_time(experiment)
    (ring,) = [trace for trace in panel.figure.data if trace.name == "knee of the full runs"]
    assert (ring.x, ring.y) == ((400.0,), (0.595,))
    assert "trial b" in ring.hovertext[0]


def test_trade_off_table_lists_the_near_best_full_runs_and_the_knee(experiment):
    panel = figures.trade_off_table(experiment)
    # best a (0.60, 800 s); within 1, 2 and 5 points (>= 0.59, 0.58, 0.55) the fastest is b (0.595, 400 s),
    # d (0.55, 600 s) being slower; the knee is b as above.
    label, trial_id, accuracy, time, speedup, points, config = map(list, panel.figure.data[0].cells.values)
    assert trial_id == ["a", "b", "b", "b", "b"]
    assert label[-1] == "knee" and speedup == ["1.0×", "2.0×", "2.0×", "2.0×", "2.0×"]
    assert points == ["0.0", "0.5", "0.5", "0.5", "0.5"]
    assert panel.takeaway.startswith("The knee, trial b, reaches 99.2% of the best accuracy in 2.0× less training")
    assert any("Kneedle" in note for note in panel.notes)


def test_learning_curves_offer_lr_and_batch_colourings(experiment):
    panel = figures.learning_curves(experiment)
    buttons = panel.figure.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["colour by learning rate", "colour by batch size"]
    by_lr, by_batch = (b.args[0]["visible"] for b in buttons)
    assert by_lr == [trace.visible for trace in panel.figure.data]  # the page opens coloured by lr
    assert by_batch == [not shown for shown in by_lr]
    # mean peak accuracy by lr: 0.01 -> (0.60 + 0.595 + 0.35) / 3 = 51.5%; 0.1 -> (0.5+0.55+0.3+0.2)/4 = 38.8%
    assert "lr 0.01 reached the highest mean peak accuracy (51.5%, 3 trials) and lr 0.1 the lowest (38.8%)" \
        in panel.takeaway
    assert "still improving at the last epoch: 4 of 4 full runs" in panel.takeaway


def test_batch_table_reports_the_best_trial_per_batch_size(experiment):
    panel = figures.batch_table(experiment)
    assert panel.takeaway == ("Batch size 32 gave the best accuracy (60.0% in 800.0 s, 10 epochs); the quickest of "
                              "these best trials, at batch size 256, reached 59.5% in 400.0 s.")


def test_comparisons_give_the_gap_in_median_accuracy(experiment):
    panel = figures.activation_and_standardization(experiment)
    # activation medians: leaky_relu (0.60, 0.55, 0.20) -> 55.0%; relu (0.595, 0.50, 0.30, 0.35) -> 42.5%
    assert "leaky_relu beat relu by 12.5 points of median best val accuracy (55.0% vs 42.5%" in panel.takeaway
    assert any("Other hyperparameters varied too (arch, lr, batch_size)" in note for note in panel.notes)


def test_importance_ranks_hyperparameters_or_says_why_not(experiment):
    accuracy, time = figures.accuracy_importance(experiment), figures.time_importance(experiment)
    for panel, target in ((accuracy, "validation accuracy"), (time, "training time")):
        assert panel.figure is not None, panel.takeaway
        assert f"matters most for {target}" in panel.takeaway
        assert "judged on 5 completed trials" in panel.takeaway  # 4 complete + 1 diverged
        assert any("treat this ranking as a hint" in note for note in panel.notes)


def test_lr_batch_map_names_the_best_and_worst_cells(experiment):
    panel = figures.lr_batch_heatmap(experiment)
    # cells: (0.01, 32) = (0.60 + 0.35) / 2 = 47.5%, (0.01, 256) = 59.5%, (0.1, 32) = 37.5%, (0.1, 256) = 40.0%
    assert panel.takeaway == ("The best cell is lr 0.01 with batch size 256 (mean 59.5% over 1 trial); the worst "
                              "is lr 0.1 with batch size 32 (37.5%).")


def test_asha_savings_give_epochs_and_time_saved(experiment):
    panel = figures.asha_savings_chart(experiment)
    # epochs: 4 x 10 + 1 + 3 + 2 + 0 = 46 of 8 x 10 = 80.
    # time: complete 800 + 400 + 300 + 600 = 2,100 s, plus e 30, f 90, g 20 -> 2,240 s trained;
    # full: 2,100 + e 30/1*10 + f 90/3*10 + g 20/2*10 = 2,800 s; h has no epoch and is not timed.
    # saved 560 s (20%), of which pruning (e, f) saved 270 + 210 = 480 s (86%).
    assert panel.takeaway == ("The search trained 46 of the 80 epochs a full run of every trial would take (43% "
                              "saved) and 2,240.0 of an estimated 2,800.0 training seconds (20% saved, 86% of it "
                              "by pruning).")


def test_headline_names_real_data_and_the_near_best_saving(experiment):
    facts = headline(experiment)
    assert facts.synthetic is False
    assert (facts.saving.best["trial_id"], facts.saving.fastest["trial_id"]) == ("a", "b")
    html = headline_html(facts)
    assert "Real FER2013" in html and "SYNTHETIC" not in html
    assert "saves 400.0 s (2.0× faster)" in html
    assert "complete 4, pruned 2, diverged 1, failed 1" in html
    # knee b: 0.595 / 0.60 = 99.17% of the best accuracy in 800 / 400 = 2.0x less time
    assert ("<tr><th>knee</th><td>The knee, trial b, reaches 99.2% of the best accuracy in 2.0× less training "
            "time (59.5% in 400.0 s against trial a's 60.0% in 800.0 s; config arch=arch2, lr=0.01, batch_size=256"
            ) in unescape(html)


def test_synthetic_data_is_announced_at_the_top(tmp_path):
    folder = write_experiment(tmp_path / "s", [trial("a")], summary=synthetic_summary("s"), study=False)
    assert "<strong>SYNTHETIC DATA</strong>" in headline_html(headline(load_experiment(folder)))
