"""The knee of the full runs' accuracy–time front and the near-best table, against sums done by hand.

Knee rule (reports.knee): over the front, x = log10(time) and y = accuracy are each scaled to
[0, 1]; the knee has the largest lift = y' - x' > 0, else it is the most accurate point.
Time limits: the user's --max-train-time-s, else the full runs' times at the 25th, 50th and 75th
percentile taken "lower" (the time of the full run at index ⌊q·(n − 1)⌋, fastest first).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reports.knee import (COLUMNS, full_run_front, knee, knee_sentence, limits_sentence, near_best_table,
                          time_limits)

NAN = math.nan


def _table(rows: list[tuple]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["trial_id", "state", "best_val_acc", "train_time_s"])
    table["arch"], table["lr"] = "arch1", 0.01
    return table


def _knee_id(trials: pd.DataFrame) -> str | None:
    row = knee(full_run_front(trials))
    return None if row is None else row["trial_id"]


# Worked by hand. Full runs with numbers: slow_best, tied_slower, w1, w2, w5, same_time_worse.
#   front (fastest first): w5 (10 s), w2 (100 s), w1 (400 s), slow_best (1,000 s);
#   tied_slower ties slow_best's accuracy but is slower; same_time_worse ties w2's time but is less accurate.
#   x' = log10(t) / 3 - 1/3: 0, 0.5, (log10(400) - 1) / 2 = 0.801, 1
#   y' = (acc - 0.600) / 0.050:  0, 0.62, 0.84, 1
#   lift = y' - x':              0, 0.12, 0.039, 0   -> the knee is w2
# best 0.650: within 1 point (>= 0.640) the fastest is w1; within 2 (>= 0.630) w2; within 5 (>= 0.600,
# w5 exactly on the line) w5. The pruned, diverged and untimed trials would beat them all but are not full runs.
TRIALS = _table([
    ("tied_slower", "complete", 0.650, 2000.0),
    ("slow_best", "complete", 0.650, 1000.0),
    ("w1", "complete", 0.642, 400.0),
    ("w2", "complete", 0.631, 100.0),
    ("same_time_worse", "complete", 0.620, 100.0),
    ("w5", "complete", 0.600, 10.0),
    ("pruned_fast", "pruned", 0.649, 5.0),
    ("diverged_fast", "diverged", 0.660, 50.0),
    ("untimed", "complete", 0.700, NAN),
    ("zero_time", "complete", 0.690, 0.0),
    ("no_accuracy", "complete", NAN, 1.0),
    ("failed", "failed", NAN, NAN),
])


def test_the_front_of_full_runs_leaves_out_other_states_and_unmeasured_trials():
    assert full_run_front(TRIALS)["trial_id"].tolist() == ["w5", "w2", "w1", "slow_best"]


def test_the_knee_is_the_front_point_farthest_above_the_chord():
    assert _knee_id(TRIALS) == "w2"


def test_the_knee_is_the_largest_lift_not_the_first_point_above_the_chord():
    # x' = log10(t) - 1 over 10 … 1,000 s scaled: 0, 1/6, 1/3, 1; y' = (acc - 0.60) / 0.05: 0, 0.2, 0.8, 1
    # lift: 0, 0.033 (first above the chord), 0.467 (largest), 0 -> the knee is "large", not "first"
    front = _table([("fast", "complete", 0.60, 10.0), ("first", "complete", 0.61, 10 ** (4 / 3)),
                    ("large", "complete", 0.64, 10 ** (5 / 3)), ("best", "complete", 0.65, 1000.0)])
    assert _knee_id(front) == "large"


def test_near_best_table_rows_are_worked_out_by_hand():
    table = near_best_table(TRIALS)
    assert list(table.columns) == list(COLUMNS)
    assert table["label"].tolist() == ["best", "fastest within 1 point", "fastest within 2 points",
                                       "fastest within 5 points", "knee"]
    assert table["trial_id"].tolist() == ["slow_best", "w1", "w2", "w5", "w2"]
    assert table["train_time_s"].tolist() == [1000.0, 400.0, 100.0, 10.0, 100.0]
    assert table["speedup"].tolist() == pytest.approx([1.0, 2.5, 10.0, 100.0, 10.0])
    assert table["points_given_up"].tolist() == pytest.approx([0.0, 0.8, 1.9, 5.0, 1.9])
    assert table["config"].iloc[0].startswith("arch=arch1, lr=0.01")


def test_the_sentence_gives_the_share_of_the_best_accuracy_and_the_speedup():
    # 0.631 / 0.650 = 97.08% ; 1,000 s / 100 s = 10.0x
    assert knee_sentence(near_best_table(TRIALS)) == (
        "The knee, trial w2, reaches 97.1% of the best accuracy in 10.0× less training time (63.1% in 100.0 s "
        "against trial slow_best's 65.0% in 1,000.0 s; config arch=arch1, lr=0.01).")


def test_a_front_bending_the_other_way_has_the_most_accurate_point_as_its_knee():
    # x' = 0, 0.5, 1; y' = 0, 1/6, 1; lift of the middle point = -1/3: nothing above the chord.
    # (The farthest point by absolute distance would be t10, the worst trade-off.)
    trials = _table([("t1", "complete", 0.30, 1.0), ("t10", "complete", 0.35, 10.0),
                     ("t100", "complete", 0.60, 100.0)])
    assert _knee_id(trials) == "t100"
    assert knee_sentence(near_best_table(trials)).startswith(
        "The most accurate trial is also the knee: trial t100, 60.0% in 100.0 s (config arch=arch1")


def test_equal_lifts_go_to_the_faster_trial():
    # Binary fractions, so the tie is exact: x' = log10(t) / 4 = 0, 0.25, 0.5, 1;
    # y' = (acc - 0.25) / 0.25 = 0, 0.5, 0.75, 1; lift = 0, 0.25, 0.25, 0 -> t10 (listed after t100).
    trials = _table([("t100", "complete", 0.4375, 100.0), ("t10", "complete", 0.375, 10.0),
                     ("t1", "complete", 0.25, 1.0), ("t10000", "complete", 0.5, 10000.0)])
    assert _knee_id(trials) == "t10"


def test_exact_duplicates_at_the_knee_go_to_the_first_in_the_table():
    # front: fast, dup_b, dup_a, slow; x' = 0, 0.5, 0.5, 1; y' = 0, 0.9375, 0.9375, 1 -> the duplicates tie
    trials = _table([("slow", "complete", 0.62, 1000.0), ("dup_b", "complete", 0.60, 100.0),
                     ("dup_a", "complete", 0.60, 100.0), ("fast", "complete", 0.30, 10.0)])
    assert _knee_id(trials) == "dup_b"
    assert near_best_table(trials).set_index("label").loc["fastest within 2 points", "trial_id"] == "dup_b"


def test_a_two_point_front_has_the_more_accurate_point_as_its_knee():
    # fast_worse is dominated (same time, less accurate), so the front is fast, slow: both on the chord.
    trials = _table([("fast", "complete", 0.50, 10.0), ("fast_worse", "complete", 0.45, 10.0),
                     ("slow", "complete", 0.60, 100.0)])
    assert full_run_front(trials)["trial_id"].tolist() == ["fast", "slow"]
    assert _knee_id(trials) == "slow"
    table = near_best_table(trials).set_index("label")
    assert table.loc["fastest within 5 points", "trial_id"] == "slow"   # 0.50 < 0.60 - 0.05
    assert table.loc["knee", "speedup"] == 1.0


def test_a_one_point_front_is_its_own_knee_and_the_sentence_says_so_plainly():
    # king is both the most accurate and the fastest full run: it dominates every other.
    trials = _table([("slower", "complete", 0.55, 50.0), ("king", "complete", 0.70, 10.0),
                     ("pruned", "pruned", 0.40, 2.0)])
    assert full_run_front(trials)["trial_id"].tolist() == ["king"]
    assert _knee_id(trials) == "king"
    table = near_best_table(trials)
    assert set(table["trial_id"]) == {"king"}
    assert knee_sentence(table) == ("The most accurate trial is also the knee: trial king, 70.0% in 10.0 s "
                                    "(config arch=arch1, lr=0.01).")


def test_a_single_trial_is_its_own_knee():
    assert _knee_id(_table([("only", "complete", 0.42, 7.0)])) == "only"


def test_without_a_complete_trial_there_is_no_knee_and_an_empty_table():
    trials = _table([("p", "pruned", 0.5, 1.0), ("d", "diverged", 0.6, 2.0), ("f", "failed", NAN, NAN)])
    assert knee(full_run_front(trials)) is None
    table = near_best_table(trials)
    assert table.empty and list(table.columns) == list(COLUMNS)
    assert knee_sentence(table) == "No trial ran to the end, so there is no front of full runs to find a knee on."


def test_complete_trials_without_times_are_as_good_as_none():
    trials = _table([("a", "complete", 0.6, NAN), ("b", "complete", 0.7, None), ("c", "complete", 0.5, 0.0)])
    assert knee(full_run_front(trials)) is None
    assert near_best_table(trials).empty


def test_knee_ignores_rows_off_the_front_and_without_a_positive_time():
    # Given the whole table (every state), the front is pruned_fast (5 s, 0.649), diverged_fast (50 s, 0.660):
    # two points, so the more accurate one; zero_time and untimed cannot be placed on a log axis.
    assert knee(TRIALS)["trial_id"] == "diverged_fast"


# TRIALS' full runs with numbers, fastest first: w5 10 s, w2 100 s, same_time_worse 100 s, w1 400 s,
# slow_best 1,000 s, tied_slower 2,000 s (n = 6): indices ⌊0.25 × 5⌋ = 1, ⌊0.5 × 5⌋ = 2, ⌊0.75 × 5⌋ = 3
# -> 100 s, 100 s, 400 s -> the limits 100 s and 400 s.
def test_without_a_limit_from_the_user_the_limits_are_the_full_runs_time_quartiles():
    assert time_limits(TRIALS, user_limit_s=None) == (100.0, 400.0)


def test_a_limit_from_the_user_is_the_only_limit():
    assert time_limits(TRIALS, user_limit_s=150.0) == (150.0,)


def test_without_full_runs_there_are_no_limits():
    assert time_limits(_table([("p", "pruned", 0.5, 1.0)]), user_limit_s=None) == ()


def test_each_limit_row_is_the_most_accurate_full_run_that_trains_within_it():
    # in <= 100 s: w2 (0.631) beats same_time_worse (0.620) and w5; pruned_fast (5 s, 0.649) and diverged_fast
    # (50 s, 0.660) are not full runs. In <= 400 s: w1 (0.642).
    table = near_best_table(TRIALS, limits=(100.0, 400.0)).set_index("label")
    assert list(table.index[-2:]) == ["best in ≤ 100 s", "best in ≤ 400 s"]
    assert table.loc["best in ≤ 100 s", "trial_id"] == "w2" and table.loc["best in ≤ 400 s", "trial_id"] == "w1"
    assert table.loc["best in ≤ 100 s", ["speedup", "points_given_up"]].tolist() == pytest.approx([10.0, 1.9])


def test_a_limit_no_full_run_fits_gets_no_row_and_the_sentence_says_so():
    # the user's limit of 150 s: w2 (100 s) is the best that fits; nothing trains in <= 5 s (w5 takes 10 s)
    table = near_best_table(TRIALS, limits=(5.0, 150.0))
    assert [label for label in table["label"] if label.startswith("best in")] == ["best in ≤ 150 s"]
    assert limits_sentence(table, (5.0, 150.0), user_limit=True) == (
        "Within the limit this search was given (--max-train-time-s): no full run trained in ≤ 5 s; in ≤ 150 s, "
        "trial w2: 63.1% in 100.0 s (1.9 points below the best, 10.0× faster).")


def test_a_limit_the_best_full_run_fits_names_it_as_the_best():
    table = near_best_table(TRIALS, limits=(1000.0,))
    assert limits_sentence(table, (1000.0,), user_limit=False) == (
        "Within the quartiles of the full runs' training times: in ≤ 1,000 s, trial slow_best: 65.0% in 1,000.0 s "
        "(the best full run itself).")
