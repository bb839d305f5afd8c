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
    # front: e (30 s), f (90 s), c (300 s), b (400 s), a (800 s); d is dominated by b; g diverged (left out)
    assert panel.takeaway.startswith("5 of 7 trials are on the Pareto front, from 30.0% in 30.0 s (trial e)")
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
    # d (0.55, 600 s) being slower; the knee is b as above. No --max-train-time-s in the summary, so the limits
    # are the full runs' time quartiles: c 300, b 400, d 600, a 800 s at indices ⌊0.75⌋, ⌊1.5⌋, ⌊2.25⌋ -> 300, 400,
    # 600 s; the best within them: c (0.50), b, b (0.595 beats d's 0.55).
    label, trial_id, accuracy, time, speedup, points, config = map(list, panel.figure.data[0].cells.values)
    assert trial_id == ["a", "b", "b", "b", "b", "c", "b", "b"]
    assert label[4:] == ["knee", "best in ≤ 300 s", "best in ≤ 400 s", "best in ≤ 600 s"]
    assert speedup == ["1.0×", "2.0×", "2.0×", "2.0×", "2.0×", "2.7×", "2.0×", "2.0×"]
    assert points == ["0.0", "0.5", "0.5", "0.5", "0.5", "10.0", "0.5", "0.5"]
    assert panel.takeaway.startswith("The knee, trial b, reaches 99.2% of the best accuracy in 2.0× less training")
    assert panel.takeaway.endswith("Within the quartiles of the full runs' training times: in ≤ 300 s, trial c: "
                                   "50.0% in 300.0 s (10.0 points below the best, 2.7× faster); in ≤ 400 s, trial "
                                   "b: 59.5% in 400.0 s (0.5 points below the best, 2.0× faster); in ≤ 600 s, trial "
                                   "b: 59.5% in 400.0 s (0.5 points below the best, 2.0× faster).")
    assert any("Kneedle" in note for note in panel.notes)


def test_trade_off_table_answers_the_time_limit_the_search_was_given(experiment):
    from dataclasses import replace

    given = replace(experiment, summary={**experiment.summary, "search": {"max_train_time_s": 350.0}})
    panel = figures.trade_off_table(given)
    label, trial_id = (list(column) for column in panel.figure.data[0].cells.values[:2])
    assert label[5:] == ["best in ≤ 350 s"] and trial_id[5:] == ["c"]  # c (300 s) fits, b (400 s) does not
    assert panel.takeaway.endswith("Within the limit this search was given (--max-train-time-s): in ≤ 350 s, "
                                   "trial c: 50.0% in 300.0 s (10.0 points below the best, 2.7× faster).")


def test_learning_curves_offer_lr_and_batch_colourings(experiment):
    panel = figures.learning_curves(experiment)
    buttons = panel.figure.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["colour by learning rate", "colour by batch size"]
    by_lr, by_batch = (b.args[0]["visible"] for b in buttons)
    assert by_lr == [trace.visible for trace in panel.figure.data]  # the page opens coloured by lr
    assert by_batch == [not shown for shown in by_lr]
    # a mean per lr colour would mix every other hyperparameter in: the takeaway states facts only
    assert "highest mean" not in panel.takeaway
    assert "still improving at the last epoch: 4 of 4 full runs" in panel.takeaway
    assert "1 trial diverged" in panel.takeaway


def test_batch_table_reports_the_best_trial_per_batch_size(experiment):
    panel = figures.batch_table(experiment)
    assert panel.takeaway == ("The best trial used batch size 32 (60.0% in 800.0 s, 10 epochs); the quickest of "
                              "these best trials, at batch size 256, reached 59.5% in 400.0 s.")
    # batch 32: a 0.60, d 0.55, f 0.35 average 50.0%; g diverged at 0.20 and is counted apart, not averaged in
    batch, trials, *_, mean, diverged = panel.figure.data[0].cells.values
    assert (batch[0], trials[0], mean[0], diverged[0]) == ("32", "4", "50.0%", "1")


def test_comparisons_hedge_when_the_trials_cannot_decide(experiment):
    panel = figures.activation_and_standardization(experiment)
    # compared at epoch 3, which five of the six measured trials reached (g diverged, h failed),
    # over five hyperparameters: nothing can be told apart, and every section says so alike
    assert "beat" not in panel.takeaway
    assert panel.takeaway.startswith("Activation: cannot tell with 5 trials: at least 6 measured trials are needed; "
                                     "time per epoch: cannot tell with 5 trials: too few trials at each value")
    assert "Standardization: cannot tell with 5 trials" in panel.takeaway


def test_optuna_importance_is_not_drawn_on_a_handful_of_complete_trials(experiment):
    panel = figures.accuracy_importance(experiment)
    assert panel.figure is None
    # five COMPLETE in the study, g diverged among them: importance sees the other four
    assert panel.takeaway.startswith("Optuna's importance is not drawn: it sees only the 4 completed trials")


def test_lr_batch_map_leaves_the_interaction_open_on_six_trials(experiment):
    panel = figures.lr_batch_heatmap(experiment)
    # batch 32: a, d, f; batch 256: b, c, e (g diverged): enough for the question, too few for an answer
    assert panel.figure is not None
    assert panel.takeaway.startswith("Not distinguishable with 6 trials whether the best learning rate depends on "
                                     "the batch size")


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


def test_the_per_emotion_section_names_the_weakest_emotions_from_the_recorded_results(tmp_path):
    # a model that sees happy (F1 1.0), half of angry, and never disgust
    results = {"emotions": ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"],
               "precision": [1.0, 0.0, 0.9, 1.0, 0.8, 0.7, 0.6], "recall": [0.5, 0.0, 0.9, 1.0, 0.8, 0.7, 0.6],
               "f1": [2 / 3, 0.0, 0.9, 1.0, 0.8, 0.7, 0.6], "support": [10, 5, 10, 10, 10, 10, 10],
               "macro_f1": 0.667, "confusion": [[5, 0, 0, 0, 0, 0, 5]] + [[0] * 7] * 6}
    summary = synthetic_summary("classes", synthetic=False) | {"best": {"per_class": results, "test_acc": 0.75,
                                                                        "test_split": "PrivateTest"}}
    panel = figures.per_class(load_experiment(write_experiment(tmp_path / "classes", [trial("a")], summary=summary)))
    assert panel.takeaway == ("The best model sees happy best (F1 1.00) and is weakest on disgust (F1 0.00: recall 0%, "
                              "precision 0%, 5 test images); neutral (F1 0.60: recall 60%, precision 60%, 10 test "
                              "images); macro-F1 0.67 against an accuracy of 75.0%, each emotion counting the same.")
    heatmap = panel.figure.data[0]
    assert heatmap.z[0][0] == 0.5 and heatmap.z[0][6] == 0.5  # angry: half right, half called neutral
