"""Where a search spent its trials and what its front's hypervolume is made of, per architecture,
on traces and a table written by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from benchmarks.curves.front import profile_table, search_profile, table_profile
from benchmarks.curves.simulator import FullRun, Report, Trace
from trainables.dataset import MAJORITY_ACCURACY as MAJORITY


def _trace() -> Trace:
    """Trial 0: arch1, full run of 10 s at 0.45; trial 1: arch2, full run of 100 s at 0.55; trial 2: arch2,
    stopped after one epoch of 30 s; trial 3: arch1, full run of 12 s at 0.40 (dominated by trial 0)."""
    configs = {0: {"arch": "arch1"}, 1: {"arch": "arch2"}, 2: {"arch": "arch2"}, 3: {"arch": "arch1"}}
    reports = [Report(10.0, 0, 1, 0.45, 1.5, 10.0), Report(100.0, 1, 1, 0.55, 1.3, 100.0),
               Report(130.0, 2, 1, 0.30, 1.7, 30.0), Report(142.0, 3, 1, 0.40, 1.6, 12.0)]
    runs = [FullRun(0, 10.0, 10.0, 0.45, 0.45), FullRun(1, 100.0, 100.0, 0.55, 0.55),
            FullRun(3, 142.0, 12.0, 0.40, 0.40)]
    return Trace(reports=reports, configs=configs, stopped_early={2}, full_runs=runs)


def test_a_search_is_profiled_per_architecture():
    # reference 200 s: trial 0 adds (0.45 - MAJORITY) × 190, trial 1 adds (0.55 - 0.45) × 100; trial 3 nothing
    profile = search_profile(_trace(), reference_s=200.0)
    assert (profile["trials_arch1"], profile["trials_arch2"], profile["trials_arch3"]) == (2, 2, 0)
    assert (profile["seconds_arch1"], profile["seconds_arch2"]) == (22.0, 130.0)
    assert (profile["full_arch1"], profile["full_arch2"], profile["full_arch3"]) == (2, 1, 0)
    assert profile["best_arch1"] == 0.45 and profile["best_arch2"] == 0.55 and math.isnan(profile["best_arch3"])
    assert profile["hypervolume_arch1"] == pytest.approx((0.45 - MAJORITY) * 190)
    assert profile["hypervolume_arch2"] == pytest.approx(0.10 * 100)
    assert profile["hypervolume"] == pytest.approx(profile["hypervolume_arch1"] + profile["hypervolume_arch2"])


def test_the_recorded_tables_front_is_split_the_same_way():
    # config 0: arch1, 2 epochs of 5 s, last 0.45; config 1: arch2, 2 × 50 s, last 0.55; config 2: arch3 cut
    # short after one epoch (not a full run)
    rows = [{"config_id": 0, "arch": "arch1", "epoch": e, "val_acc": a, "epoch_time_s": 5.0, "eval_time_s": 0.0}
            for e, a in ((1, 0.40), (2, 0.45))]
    rows += [{"config_id": 1, "arch": "arch2", "epoch": e, "val_acc": a, "epoch_time_s": 50.0, "eval_time_s": 0.0}
             for e, a in ((1, 0.50), (2, 0.55))]
    rows.append({"config_id": 2, "arch": "arch3", "epoch": 1, "val_acc": 0.9, "epoch_time_s": 1.0, "eval_time_s": 0.0})
    profile = table_profile(pd.DataFrame(rows), reference_s=200.0, max_epochs=2)
    assert (profile["full_arch1"], profile["full_arch2"], profile["full_arch3"]) == (1, 1, 0)
    assert profile["hypervolume_arch1"] == pytest.approx((0.45 - MAJORITY) * 190)
    assert profile["hypervolume_arch2"] == pytest.approx(0.10 * 100) and profile["hypervolume_arch3"] == 0


def test_the_profile_table_gives_each_architectures_mean_share_of_the_hypervolume_over_seeds():
    profile = search_profile(_trace(), reference_s=200.0)
    table = profile_table(pd.DataFrame([{"strategy": "accuracy", "seed": seed, **profile} for seed in (0, 1)]))
    share_arch1 = (0.45 - MAJORITY) * 190 / ((0.45 - MAJORITY) * 190 + 10)
    assert table.loc[0, "its share by arch"] == f"{share_arch1:.0%} / {1 - share_arch1:.0%} / 0%"
    assert table.loc[0, "full runs"] == "2.0 / 1.0 / 0.0" and table.loc[0, "best full run, %"] == "45.0 / 55.0 / nan"
