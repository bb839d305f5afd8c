"""The explain experiment read as answers, on runs written by hand: paired differences and their
intervals, Holm over the ablations, diverged runs apart, the best learning rate at each batch size."""

from __future__ import annotations

import math

import numpy as np
import pytest
from explain_fixtures import PlantedArm, write_explained
from report_fixtures import trial, write_experiment

from reports.build import build_report
from reports.evidence.explained import arm_effects, best_lrs, explain_runs, holm
from reports.experiment import load_experiment
from reports.figures.explain import explain_section

T_2 = 4.302652729911275  # t quantile for 95% with 2 degrees of freedom


def _planted() -> list[PlantedArm]:
    return [
        PlantedArm("best", "best", accuracy=(0.50, 0.52, 0.48)),
        PlantedArm("batch_norm True → False", "ablation", {"batch_norm": False}, accuracy=(0.40, 0.41, 0.39),
                   seconds=(8.0, 8.0, 8.0)),
        PlantedArm("dropout 0.25 → 0", "ablation", {"dropout": 0.0}, accuracy=(0.51, 0.50, 0.49)),
        PlantedArm("lr ÷3", "lr sweep", {"lr": 0.01}, accuracy=(0.45, 0.46, 0.44), step=1 / 3, sweep_batch_size=64),
        PlantedArm("lr ×3", "lr sweep", {"lr": 0.09}, accuracy=(0.40, 0.41, 0.39), step=3.0, sweep_batch_size=64),
        PlantedArm("lr ×10", "lr sweep", {"lr": 0.3}, accuracy=(None, None, None), step=10.0, sweep_batch_size=64),
        PlantedArm("lr ×1 at batch 256", "interaction", {"batch_size": 256}, accuracy=(0.40, 0.41, 0.39), step=1.0,
                   sweep_batch_size=256),
        PlantedArm("lr ÷3 at batch 256", "interaction", {"batch_size": 256, "lr": 0.01},
                   accuracy=(0.35, 0.36, 0.34), step=1 / 3, sweep_batch_size=256),
        PlantedArm("lr ×3 at batch 256", "interaction", {"batch_size": 256, "lr": 0.09},
                   accuracy=(0.49, 0.50, 0.48), step=3.0, sweep_batch_size=256),
    ]


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    return load_experiment(write_explained(tmp_path_factory.mktemp("explained") / "search", _planted()))


def _effect(experiment, arm):
    effects = arm_effects(explain_runs(experiment))
    return effects[effects["arm"] == arm].iloc[0]


def test_an_ablation_is_a_paired_difference_from_the_best_with_a_t_interval(explained):
    row = _effect(explained, "batch_norm True → False")
    # per seed: 0.40-0.50, 0.41-0.52, 0.39-0.48 = -0.10, -0.11, -0.09: mean -0.10, sd 0.01
    assert row["difference"] == pytest.approx(-0.10)
    half = T_2 * 0.01 / math.sqrt(3)
    assert (row["low"], row["high"]) == pytest.approx((-0.10 - half, -0.10 + half))
    assert row["decided"] and row["seeds"] == 3


def test_time_is_compared_only_with_the_best_runs_of_the_explain_experiment(explained):
    row = _effect(explained, "batch_norm True → False")
    assert row["time_ratio"] == pytest.approx(0.8)  # 8 s against the best's 10 s at seeds 1 and 2


def test_a_null_change_is_not_decided(explained):
    row = _effect(explained, "dropout 0.25 → 0")
    assert not row["decided"] and row["low"] < 0 < row["high"]


def test_holm_rejects_step_down_from_the_smallest_p_value():
    assert holm(np.array([0.01, 0.04, 0.03]), 0.05).tolist() == [True, False, False]
    assert holm(np.array([0.001, 0.02, 0.04]), 0.05).tolist() == [True, True, True]
    assert holm(np.array([0.03, np.nan]), 0.05).tolist() == [True, False]  # a NaN is no member of the family


def test_a_run_that_diverged_is_counted_apart_never_as_an_accuracy(explained):
    row = _effect(explained, "lr ×10")
    assert row["diverged"] == 3 and row["seeds"] == 0 and math.isnan(row["difference"])


def test_the_best_learning_rate_at_each_batch_size_and_its_neighbours_within_noise(explained):
    by_batch = {s.batch_size: s for s in best_lrs(explain_runs(explained))}
    assert by_batch[64].best_lr == pytest.approx(0.03) and by_batch[64].within == pytest.approx((0.03,))
    assert by_batch[256].best_lr == pytest.approx(0.09) and by_batch[256].within == pytest.approx((0.09,))


def test_the_section_says_what_was_decided_and_what_was_not(explained):
    panel = explain_section(explained)
    text = panel.takeaway
    assert "batch norm True over False is worth +10.0 points" in text
    assert "Not distinguishable from their references with 3 seeds: dropout" in text
    assert "Learning rate ×10 diverged in 3 of 3 seeds" in text
    assert "at batch 64 the best learning rate tried is 0.03" in text.lower()
    assert "The best learning rate rises with the batch size, as the study found" in text
    assert "over 3 seeds: 50.0%, 52.0%, 48.0%" in text and panel.figure is not None


def test_a_search_without_controlled_runs_is_told_how_to_get_them(tmp_path):
    folder = write_experiment(tmp_path / "plain", [trial("a"), trial("b", arch="arch2")])
    panel = explain_section(load_experiment(folder))
    assert panel.figure is None and f"python -m search.explain {folder}" in panel.takeaway
    assert "What made the best model" in build_report(folder).read_text(encoding="utf-8")


def test_what_the_ablations_decided_replaces_the_searchs_open_verdicts(explained):
    from reports.evidence.verdicts import ACCURACY, TIME, controlled, verdicts
    found = {(v.factor, v.question): v for v in controlled(explained)}
    accuracy = found[("batch_norm", ACCURACY)]
    assert accuracy.kind == "driver" and accuracy.detail.startswith("True over False: +10.0 points")
    assert accuracy.source == "explain/"
    assert ("dropout", ACCURACY) not in found  # not decided: the search's own verdict stands
    assert found[("batch_norm", TIME)].detail.startswith("False vs True: 0.80×")
    merged = verdicts(explained).get("batch_norm", ACCURACY)
    assert merged.kind == "driver" and merged.source == "explain/"  # the search alone could not tell


def test_the_lr_batch_section_quotes_the_controlled_sweeps_first(explained):
    from reports.figures import lr_batch_heatmap
    takeaway = lr_batch_heatmap(explained).takeaway
    assert takeaway.startswith("Controlled runs (explain/, 3 seeds each): At batch 64 the best learning rate tried is")
    assert "would decide" not in takeaway  # the controlled runs decided what the search could not
