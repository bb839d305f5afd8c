"""The rung rankings judged on recorded curves (no surrogate), on tables written by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.curves.signals import progress_at, rung_signals
from benchmarks.curves.simulator import NoStopping
from benchmarks.curves.tabular import TableCurves, compare_halving, replay
from search.scheduling import RANKINGS


def _table(curves: dict[int, tuple[list[float], list[float], float]]) -> pd.DataFrame:
    """config_id → (accuracies, losses, seconds per epoch)."""
    return pd.DataFrame([{"config_id": c, "epoch": e + 1, "val_acc": acc[e], "val_loss": loss[e],
                          "epoch_time_s": seconds, "eval_time_s": 0.0}
                         for c, (acc, loss, seconds) in curves.items() for e in range(len(acc))])


def test_progress_after_an_epoch_is_the_best_so_far_and_a_diverged_loss_ranks_last():
    table = _table({0: ([0.3, 0.5, 0.4], [1.6, 1.2, 1.4], 1.0), 1: ([0.2], [float("nan")], 1.0)})
    progress = progress_at(table[table["config_id"] == 0], 3)
    assert (progress.epochs, progress.best_acc, progress.best_loss) == (3, 0.5, 1.2)
    diverged = progress_at(table[table["config_id"] == 1], 1)
    keys = RANKINGS["loss"]({"diverged": diverged, "finite": progress_at(table[table["config_id"] == 0], 1)})
    assert keys["finite"] < keys["diverged"]


def test_signals_by_hand_where_the_loss_and_the_accuracy_disagree():
    # at epoch 1: a has the lowest loss, c the best accuracy; finals (best accuracy): a 0.6, b 0.5, c 0.4
    table = _table({0: ([0.30, 0.6], [1.2, 1.0], 1.0), 1: ([0.35, 0.5], [1.4, 1.1], 1.0),
                    2: ([0.40, 0.4], [1.6, 1.5], 1.0)})
    rows = rung_signals(table, {"loss": RANKINGS["loss"], "accuracy": RANKINGS["accuracy"]}, epochs=(1,),
                        reduction_factor=3).set_index("ranking")
    assert rows.loc["loss", "spearman"] == pytest.approx(1.0)       # order a, b, c: as the finals
    assert rows.loc["accuracy", "spearman"] == pytest.approx(-1.0)  # order c, b, a: reversed
    assert rows.loc["loss", "kept"] == rows.loc["accuracy", "kept"] == 1  # ceil(3/3)
    assert rows.loc["loss", "final top 5 kept"] == 1                     # a is among the finals' top 5


def test_a_random_order_search_plays_the_recorded_curves_on_their_recorded_seconds():
    from spaces import SPACES

    space = SPACES["full"]
    table = _table({c: ([0.2 + 0.01 * c] * 9, [1.5] * 9, float(c + 1)) for c in range(3)})
    curves = TableCurves(table, space)
    trace = replay(curves, space, NoStopping(), seed=3, budget_s=1e6)  # config 0 (1 s an epoch) goes third
    order = np.random.default_rng(3).permutation(3)
    assert [trace.configs[n] for n in sorted(trace.configs)] == [curves.configs[i] for i in order]
    first = [r for r in trace.reports if r.epoch == 9][0]  # the faster of the first two to finish
    assert first.time_s == pytest.approx(9 * (min(order[:2]) + 1))
    assert trace.best_by(1e6) == pytest.approx(0.22)


def test_rankings_that_agree_give_the_same_searches_and_random_full_is_paired_by_seed():
    from spaces import SPACES

    table = _table({c: ([0.2 + 0.03 * (c % 5)] * 9, [1.9 - 0.03 * (c % 5)] * 9, 10.0) for c in range(12)})
    results = compare_halving(table, SPACES["full"], {name: (2, 3, ranking) for name, ranking in RANKINGS.items()},
                              seeds=3, minutes=(1, 2))
    assert set(results["arm"]) == {"random-full", *RANKINGS} and len(results) == 3 * 4
    by_arm = results.pivot(index="seed", columns="arm", values="best_2min")
    # loss and accuracy order these curves alike, so every ranking makes the same decisions
    assert (by_arm["loss"] == by_arm["accuracy"]).all() and (by_arm["loss"] == by_arm["accuracy_then_loss"]).all()
