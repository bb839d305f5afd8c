"""The report's table of where trials ran: one row per node, the trials that moved after losing
theirs, and a sentence that says whether any trial was lost for good."""

from __future__ import annotations

from report_fixtures import trial, write_experiment

from reports.experiment import load_experiment
from reports.figures.nodes import node_rows, nodes_table

A, B, C = "127.0.0.1 (aaaaaaaa)", "127.0.0.1 (bbbbbbbb)", "127.0.0.1 (cccccccc)"


def _experiment(tmp_path, rows):
    return load_experiment(write_experiment(tmp_path / "exp", rows))


def test_each_node_lists_the_trials_it_held_and_those_that_moved_on(tmp_path):
    rows = [trial("t0", nodes=[A]), trial("t1", nodes=[A, B, C], node_losses=2), trial("t2", nodes=[B])]
    table = node_rows(_experiment(tmp_path, rows).trials)
    assert table["node"].tolist() == [A, B, C]  # in the order the trials first reached them
    assert table["trials"].tolist() == [["t0", "t1"], ["t1", "t2"], ["t1"]]
    assert table["moved"].tolist() == [["t1"], ["t1"], []]


def test_the_sentence_names_the_moves_and_says_no_trial_was_lost(tmp_path):
    rows = [trial("t0", nodes=[A]), trial("t1", nodes=[A, B, C], node_losses=2)]
    panel = nodes_table(_experiment(tmp_path, rows))
    assert panel.figure is not None
    assert "2 trials ran on 3 nodes" in panel.takeaway
    assert "1 trial lost its node or worker (2 losses in all)" in panel.takeaway
    assert "none was lost for good" in panel.takeaway and f"t1: {A} → {B} → {C}" in panel.takeaway


def test_a_trial_that_kept_losing_its_node_is_counted_as_failed(tmp_path):
    rows = [trial("t0", nodes=[A]), trial("t1", state="failed", nodes=[A, B], node_losses=21)]
    panel = nodes_table(_experiment(tmp_path, rows))
    assert "0 then finished, 1 failed (see fail_reason)" in panel.takeaway


def test_one_node_and_no_loss_is_a_sentence_not_a_table(tmp_path):
    panel = nodes_table(_experiment(tmp_path, [trial("t0", nodes=[A]), trial("t1", nodes=[A])]))
    assert panel.figure is None and panel.takeaway == f"Every trial ran on one node, {A}, and none lost it."


def test_an_experiment_without_nodes_has_no_table(tmp_path):
    panel = nodes_table(_experiment(tmp_path, [trial("t0"), trial("t1")]))
    assert panel.figure is None and "No trial recorded the node it ran on" in panel.takeaway
