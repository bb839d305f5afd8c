"""The report on experiments with planted truth (`benchmarks.planted`): it names what was
planted, claims nothing about what was not, and says one thing about a factor in every section.

Each experiment is drawn as a search draws it — the `full` space, random or TPE proposals,
early stopping, warm-up, divergence — with known answers, and read from the page
`reports.build` writes (`claims.page_claims`). The benchmark `benchmarks.evidence_power` runs
every kind over more seeds and gives the rates: the seeds here are among those where the
planted effects are found (early stopping leaves few trials timed past their first epoch, and
TPE few trials at a high learning rate, so not every seed has the power).
"""

from __future__ import annotations

import re

import pytest
from claims import page_claims

from benchmarks.curves.as_experiment import experiment_tables, write_experiment
from benchmarks.curves.record import TABLE
from benchmarks.planted import KINDS, planted_experiment, planted_trials, write_planted
from benchmarks.planted.kinds import ARCH_COST

import pyarrow.parquet as pq


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """kind name, seed → the claims of its report."""
    folder = tmp_path_factory.mktemp("planted")

    def claims_of(kind: str, seed: int):
        return page_claims(write_planted(folder / f"{kind}-{seed}", planted_experiment(KINDS[kind], seed)))

    return claims_of


@pytest.mark.parametrize("kind, seed", [("null", 0), ("null", 1), ("null_tpe_early", 0), ("null_tpe_early", 1),
                                        ("null_tpe_early", 2)])
def test_with_no_effect_at_all_nothing_is_said_to_change_time_or_accuracy(drawn, kind, seed):
    claims = drawn(kind, seed)
    assert claims.time == set() and claims.accuracy == set(), claims.text


@pytest.mark.parametrize("seed", [0, 2])
def test_warm_up_in_the_first_epoch_is_not_taken_for_a_driver_of_time(drawn, seed):
    # stopped at epochs 1 and 3: most trials timed one epoch, 5 s of warm-up on 2–28 s epochs
    claims = drawn("early_stopping", seed)
    assert claims.time == {"arch", "batch_size"}, claims.text
    ratio = re.search(r"arch3 vs arch1: [\d.]+× \(95% CI ([\d.]+)–([\d.]+)×\)", claims.text)
    assert ratio and float(ratio[1]) <= ARCH_COST["arch3"] <= float(ratio[2]), claims.text


@pytest.mark.parametrize("kind, seed", [("ten_points", 0), ("ten_points", 1), ("tpe", 1)])
def test_two_planted_ten_point_effects_are_named_and_nothing_else(drawn, kind, seed):
    claims = drawn(kind, seed)
    assert claims.accuracy == {"lr", "batch_norm"}, claims.text
    assert claims.time == {"arch", "batch_size"}, claims.text
    assert "batch norm True beat batch norm False" in claims.text


def test_one_bad_activation_among_five_is_named_the_worst(drawn):
    claims = drawn("bad_activation", 0)
    assert claims.accuracy == {"activation"}, claims.text
    assert claims.time == {"arch", "batch_size"}, claims.text
    assert re.search(r"\b(relu|leaky_relu|gelu|silu) beat elu by", claims.text), claims.text


def test_diverged_trials_are_left_out_of_optunas_importance_which_names_no_driver(drawn):
    claims = drawn("diverged", 0)
    trials = planted_experiment(KINDS["diverged"], 0).trials
    complete = sum(row["state"] == "complete" for row in trials)
    assert complete < len(trials)  # some diverged
    assert f"Optuna's importance for validation accuracy on the {complete} completed trials ranks" in claims.text
    assert claims.accuracy == {"batch_norm"}, claims.text


def test_a_factor_that_varied_with_another_gets_one_verdict_in_every_section(tmp_path):
    # ELU always with raw pixels, ReLU with z-scored ones; ELU costs 1.6× per epoch: the trials
    # cannot tell activation from standardization, and no section may say otherwise
    configs = [{"arch": arch, "batch_size": batch, "lr": lr, "activation": activation, "standardize": standardize}
               for arch in ("arch1", "arch2", "arch3") for batch in (32, 256)
               for lr in (0.003, 0.03) for activation, standardize in (("elu", "raw"), ("relu", "pixel"))]

    def seconds(config: dict) -> float:
        return 2.0 * ARCH_COST[config["arch"]] * (1.6 if config["activation"] == "elu" else 1.0)

    claims = page_claims(write_planted(tmp_path / "tied", planted_trials(seed=4, configs=configs, seconds=seconds)))
    assert claims.time == {"arch"}, claims.text
    assert not {"activation", "standardize"} & claims.accuracy, claims.text
    assert "costs differ" not in claims.text and "small differences" not in claims.text


def test_the_recorded_fer2013_runs_name_batch_norm_batch_size_and_lr_for_accuracy_and_architecture_for_time(
        tmp_path):
    folder = tmp_path / "recorded"
    write_experiment(folder, *experiment_tables(pq.read_table(TABLE).to_pandas()), name="recorded curves")
    claims = page_claims(folder)
    assert {"batch_norm", "batch_size", "lr"} <= claims.accuracy, claims.text
    assert claims.time - {"batch_norm"} == {"arch"}, claims.text
