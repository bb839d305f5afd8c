"""Learning rates grouped for colours and heat-map rows: grids keep their values, samples get round bins."""

from __future__ import annotations

import pandas as pd

from reports.binning import log_groups


def test_a_grid_of_round_values_keeps_each_value_in_order():
    groups = log_groups(pd.Series([0.01, 0.0001, 1.0, 0.005, 0.01]))
    assert groups.tolist() == ["0.01", "0.0001", "1", "0.005", "0.01"]
    assert list(groups.cat.categories) == ["0.0001", "0.005", "0.01", "1"]


def test_sampled_values_fall_into_round_log_bins_of_1_2_5():
    groups = log_groups(pd.Series([0.011, 0.0302, 0.0449, 0.12, 0.18]))
    assert groups.tolist() == ["0.01–0.02", "0.02–0.05", "0.02–0.05", "0.1–0.2", "0.1–0.2"]


def test_when_1_2_5_bins_are_too_many_bins_of_1_3_are_used():
    groups = log_groups(pd.Series([0.0011, 0.0302, 0.0449, 0.126, 0.355]), max_groups=6)
    assert groups.tolist() == ["0.001–0.003", "0.03–0.1", "0.03–0.1", "0.1–0.3", "0.3–1"]


def test_a_wide_sample_uses_coarser_bins_but_never_more_than_asked():
    values = pd.Series([10 ** (-k / 3) for k in range(13)])  # 1 down to 1e-4, three per decade
    groups = log_groups(values, max_groups=6)
    assert len(groups.cat.categories) <= 6 and groups.notna().all()


def test_nulls_stay_null():
    groups = log_groups(pd.Series([0.01, None]))
    assert groups.isna().tolist() == [False, True]
