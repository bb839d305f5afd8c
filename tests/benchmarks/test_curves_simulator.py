"""The simulator on a tiny table whose answer is worked out by hand: the clock, the slots and
the rung decisions of the project's own successive halving."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from benchmarks.curves.simulator import Curve, NoStopping, ProjectHalving, RayAsha, simulate
from search.scheduling import SuccessiveHalving
from spaces.space import SearchSpace, choice

SPACE = SearchSpace(name="four", description="four learning rates", dimensions={"lr": choice(0.1, 0.2, 0.3, 0.4)})
# lr → (seconds per epoch, accuracies, losses)
CURVES = {0.1: (1, [0.30, 0.40, 0.50], [1.5, 1.4, 1.3]), 0.2: (2, [0.20, 0.25, 0.30], [1.8, 1.7, 1.6]),
          0.3: (1, [0.35, 0.45, 0.55], [1.4, 1.3, 1.2]), 0.4: (3, [0.10, 0.10, 0.10], [1.9, 1.9, 1.9])}


def _curve(config: dict) -> Curve:
    seconds, acc, loss = CURVES[config["lr"]]
    return Curve(np.array(acc), np.array(loss), np.full(3, float(seconds)))


def _study() -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    for lr in (0.1, 0.2, 0.3, 0.4):  # A, B, C, D in this order
        study.enqueue_trial({"lr": lr})
    return study


def test_two_slots_and_successive_halving_match_the_hand_computation():
    # rungs at epochs 1 and 2, the top half goes on. t=0: A and B start. t=1 A1; t=2 A2, B1 (B's loss 1.8 is
    # the worse of two at rung 1: stopped; C starts); t=3 A3 (complete; D starts), C1 (best of three: on);
    # t=4 C2; t=5 C3 (complete); t=6 D1 (worst of four at rung 1: stopped).
    study = _study()
    trace = simulate(SPACE, study, ProjectHalving(SuccessiveHalving(max_t=3, grace_period=1, reduction_factor=2)),
                     _curve, slots=2, budget_s=100, max_epochs=3, samples=4)
    assert [(r.time_s, r.trial, r.epoch) for r in trace.reports] == [
        (1, 0, 1), (2, 0, 2), (2, 1, 1), (3, 0, 3), (3, 2, 1), (4, 2, 2), (5, 2, 3), (6, 3, 1)]
    assert trace.stopped_early == {1, 3}
    states = [t.state for t in study.trials]
    assert states == [optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED,
                      optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED]
    assert study.trials[2].value == 0.55 and study.trials[1].intermediate_values == {1: 0.20}
    assert trace.best_by(2.5) == 0.40 and trace.best_by(5) == 0.55
    assert trace.compute_to_reach(0.5) == 5  # A1 1 s + A2 1 s + B1 2 s + A3 1 s


def test_the_budget_stops_what_is_running_as_tunes_time_budget_does():
    study = _study()
    trace = simulate(SPACE, study, ProjectHalving(SuccessiveHalving(max_t=3, grace_period=1, reduction_factor=2)),
                     _curve, slots=2, budget_s=4.5, max_epochs=3, samples=4)
    assert max(r.time_s for r in trace.reports) == 4  # C3 would end at 5, D1 at 6
    assert [t.state for t in study.trials][2:] == [optuna.trial.TrialState.PRUNED] * 2


def test_without_early_stopping_every_trial_runs_to_the_end_one_slot_at_a_time():
    trace = simulate(SPACE, _study(), NoStopping(), _curve, slots=1, budget_s=100, max_epochs=3, samples=4)
    assert [r.time_s for r in trace.reports if r.epoch == 3] == [3, 9, 12, 21]  # 3, +6, +3, +9 seconds


def test_rays_asha_stops_on_the_last_accuracy_with_its_own_code():
    trace = simulate(SPACE, _study(), RayAsha(max_t=3, grace_period=1, reduction_factor=2), _curve, slots=1,
                     budget_s=100, max_epochs=3, samples=4)
    # one slot: A runs on alone; B (0.20 < A's 0.30 at epoch 1) stops; C (0.35) goes on; D (0.10) stops
    assert trace.stopped_early == {1, 3}


def test_a_duplicate_configuration_is_replayed_at_no_cost_when_reuse_is_on():
    study = _study()
    study.enqueue_trial({"lr": 0.1})  # A again
    trace = simulate(SPACE, study, NoStopping(), _curve, slots=1, budget_s=100, max_epochs=3, samples=5, reuse=True)
    replayed = [r for r in trace.reports if r.trial == 4]
    assert [r.seconds for r in replayed] == [0.0, 0.0, 0.0] and replayed[-1].time_s == 21
    assert study.trials[4].value == pytest.approx(0.50)


def test_the_hypervolume_of_the_full_runs_front_by_hand():
    from benchmarks.curves.simulate import front_hypervolume
    from trainables.dataset import MAJORITY_ACCURACY as MAJORITY

    # one slot, no stopping: full runs A (3 s, 0.50), B (6 s, 0.30: dominated by A), C (3 s, 0.55), D (9 s, 0.10)
    trace = simulate(SPACE, _study(), NoStopping(), _curve, slots=1, budget_s=100, max_epochs=3, samples=4)
    # front: C (3 s, 0.55) alone dominates A (3 s, 0.50): area (0.55 - MAJORITY) × (10 - 3)
    assert front_hypervolume(trace, reference_s=10) == pytest.approx((0.55 - MAJORITY) * 7)


def test_sobol_configurations_are_the_same_every_time_and_cover_every_branch():
    from benchmarks.curves.design import sobol_configs
    from spaces import SPACES

    first, again = sobol_configs(SPACES["full"], points=64), sobol_configs(SPACES["full"], points=64)
    assert first == again
    for optimizer, branch in SPACES["full"].dimensions["lr"].branches.items():
        lrs = [c["lr"] for c in first if c["optimizer"] == optimizer]
        assert lrs and all(branch.low <= lr <= branch.high for lr in lrs)
    assert {c["arch"] for c in first[:8]} == {"arch1", "arch2", "arch3"}  # space-filling from the start


def _planted_table():
    """64 Sobol configurations: accuracy planted in the optimizer alone, time in the architecture."""
    import pandas as pd

    from benchmarks.curves.design import sobol_configs
    from spaces import SPACES

    rows = []
    for config_id, config in enumerate(sobol_configs(SPACES["full"], points=64)):
        final = 0.6 if config["optimizer"] == "adamw" else 0.3
        seconds = {"arch1": 2.0, "arch2": 20.0, "arch3": 40.0}[config["arch"]]
        for epoch in range(1, 4):
            acc = 0.2 + (final - 0.2) * epoch / 3
            rows.append({"config_id": config_id, **config, "epoch": epoch, "val_acc": acc, "val_loss": 2 - acc,
                         "epoch_time_s": seconds, "eval_time_s": 0.0})
    return pd.DataFrame(rows)


def test_the_surrogate_learns_a_planted_table_and_says_how_well_on_unseen_configurations():
    from benchmarks.curves.design import sobol_configs
    from benchmarks.curves.surrogate import CurveSurrogate, held_out_error, held_out_residuals
    from spaces import SPACES

    table = _planted_table()
    error = held_out_error(held_out_residuals(table, max_epochs=3))
    assert error.final_val_acc < 0.03 and error.seconds_ratio < 1.2
    curve = CurveSurrogate(table, max_epochs=3).curve({**sobol_configs(SPACES["full"], points=1)[0],
                                                       "optimizer": "adamw", "arch": "arch1"})
    assert curve.val_acc[-1] == pytest.approx(0.6, abs=0.03) and curve.seconds[0] == pytest.approx(2.0, rel=0.2)


def test_noisy_curves_add_the_residual_of_a_configuration_rated_alike():
    import numpy as np

    from benchmarks.curves.design import sobol_configs
    from benchmarks.curves.surrogate import CurveSurrogate, NoisyCurves, Residual
    from spaces import SPACES

    surrogate = CurveSurrogate(_planted_table(), max_epochs=3)
    collapsed = Residual(0.3, np.array([0.1, 0.2, 0.3]), np.zeros(3), np.zeros(3))       # rated 0.3, did better
    strong = Residual(0.6, np.array([-0.01, -0.02, -0.03]), np.zeros(3), np.log([2.0, 2.0, 2.0]))  # rated 0.6
    curves = NoisyCurves(surrogate, [collapsed, strong], seed=0, neighbours=1)
    config = {**sobol_configs(SPACES["full"], points=1)[0], "optimizer": "adamw", "arch": "arch1"}
    mean, noisy = surrogate.curve(config), curves(config)
    np.testing.assert_allclose(noisy.val_acc, mean.val_acc + [-0.01, -0.02, -0.03])  # the strong one's, not +0.3
    np.testing.assert_allclose(noisy.seconds, 2 * mean.seconds)


def test_with_same_arch_the_residual_comes_from_a_configuration_of_the_same_architecture():
    """The forest rates arch1 and arch2 configurations alike; an arch2 residual of +0.2 must not
    reach an arch1 configuration when residuals are drawn within the architecture."""
    import numpy as np

    from benchmarks.curves.design import sobol_configs
    from benchmarks.curves.surrogate import CurveSurrogate, NoisyCurves, Residual
    from spaces import SPACES

    surrogate = CurveSurrogate(_planted_table(), max_epochs=3)
    config = {**sobol_configs(SPACES["full"], points=1)[0], "optimizer": "adamw", "arch": "arch1"}
    rated = surrogate.curve(config).val_acc[-1]
    lucky_arch2 = Residual(rated, np.full(3, 0.2), np.zeros(3), np.zeros(3), "arch2")  # rated exactly alike
    plain_arch1 = Residual(rated - 0.1, np.full(3, -0.01), np.zeros(3), np.zeros(3), "arch1")
    residuals = [lucky_arch2, plain_arch1]
    mean = surrogate.curve(config).val_acc
    within = NoisyCurves(surrogate, residuals, seed=0, neighbours=1, same_arch=True)(config)
    np.testing.assert_allclose(within.val_acc, mean - 0.01)
    across = NoisyCurves(surrogate, residuals, seed=0, neighbours=1)(config)  # the nearest rating, whatever its arch
    np.testing.assert_allclose(across.val_acc, np.clip(mean + 0.2, 0, 1))


def test_the_accuracy_ranking_keeps_the_more_accurate_trial_where_the_loss_ranking_keeps_the_lower_loss():
    from search.scheduling import Progress, Rungs, accuracy_only, loss_then_accuracy

    calibrated = Progress(epochs=1, best_acc=0.40, best_loss=1.20)  # lower loss, lower accuracy
    accurate = Progress(epochs=1, best_acc=0.45, best_loss=1.50)
    for ranking, kept in ((loss_then_accuracy, "calibrated"), (accuracy_only, "accurate")):
        rungs = Rungs([1], reduction_factor=2, ranking=ranking)
        decisions = {name: rungs.decide(name, progress) for name, progress in
                     (("calibrated", calibrated), ("accurate", accurate))}
        # the first at a rung always goes on; the second is kept only if it ranks first of the two
        assert decisions["accurate"] == (kept == "accurate")


def test_paired_differences_by_hand():
    import pandas as pd

    from benchmarks.curves.simulate import paired

    default = pd.DataFrame({"seed": [0, 1, 2], "best_20min": [0.50, 0.52, 0.54]})
    variant = pd.DataFrame({"seed": [2, 1, 0], "best_20min": [0.55, 0.54, 0.53]})  # +0.01, +0.02, +0.03 by seed
    mean, low, high = paired(variant, default, "best_20min")
    assert mean == pytest.approx(0.02) and 0.01 - 1e-9 <= low <= mean <= high <= 0.03 + 1e-9


def test_the_clock_takes_cpu_seconds_where_recorded_and_wall_seconds_before_they_were():
    import pandas as pd

    from benchmarks.curves.record import epoch_seconds

    table = pd.DataFrame({"epoch_time_s": [10.0, 30.0], "eval_time_s": [2.0, None], "cpu_time_s": [None, 11.0]})
    assert epoch_seconds(table).tolist() == [12.0, 11.0]
    assert epoch_seconds(table.drop(columns="cpu_time_s")).tolist() == [12.0, 30.0]


def test_an_unknown_arm_is_one_line_and_status_2(capsys):
    from benchmarks.curves.simulate import main

    assert main(["--arms", "project,bogus"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


@pytest.mark.parametrize("command", ["simulate", "defaults"])
@pytest.mark.parametrize("knob", ["ranking=bogus", "grace_epochs=0", "reduction_factor=1", "baselines=maybe",
                                  "samples=3", "ranking", "max_train_time_s=0", "max_train_time_s=soon",
                                  "max_train_time_s=inf"])
def test_a_bad_knob_is_one_line_and_status_2(capsys, command, knob):
    import importlib

    main = importlib.import_module(f"benchmarks.curves.{command}").main
    assert main(["--set", knob, "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("benchmarks.curves: error: --set") and err.strip().count("\n") == 0


def test_a_knob_set_on_the_command_line_reaches_the_setting():
    from benchmarks.curves.arms import parse_knob, recorded_setting

    setting = recorded_setting(**dict(map(parse_knob, ["ranking=accuracy_then_loss", "grace_epochs=1",
                                                       "reduction_factor=2", "tpe_startup=0", "baselines=false",
                                                       "max_train_time_s=19.5"])))
    assert (setting.ranking, setting.grace, setting.reduction_factor, setting.tpe_startup, setting.baselines,
            setting.max_train_time_s) == ("accuracy_then_loss", 1, 2, 0, False, 19.5)


def test_check_on_a_folder_that_is_not_a_search_is_one_line_and_status_2(tmp_path, capsys):
    from benchmarks.curves.check import main

    assert main(["--run", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_diverged_curve_ends_its_trial_after_its_last_epoch_and_is_told_complete():
    def diverging(config: dict) -> Curve:
        if config["lr"] == 0.2:  # B diverges after its first epoch
            return Curve(np.array([0.13]), np.array([9.9]), np.array([2.0]))
        return _curve(config)

    study = _study()
    trace = simulate(SPACE, study, NoStopping(), diverging, slots=1, budget_s=100, max_epochs=3, samples=4)
    # one slot: A 3 s (ends at 3), B one epoch of 2 s (ends at 5), C 3 s (8), D 9 s (17)
    assert [r.time_s for r in trace.reports if r.trial == 1] == [5] and trace.reports[-1].time_s == 17
    assert study.trials[1].state == optuna.trial.TrialState.COMPLETE and study.trials[1].value == 0.13
    assert trace.stopped_early == set()


@pytest.mark.parametrize("content", [b"not parquet", None])
def test_a_table_that_is_not_recorded_curves_is_one_line_and_status_2(tmp_path, capsys, content):
    import pandas as pd

    from benchmarks.curves.simulate import main

    table = tmp_path / "curves.parquet"
    if content is None:
        pd.DataFrame({"config_id": [0], "epoch": [1]}).to_parquet(table)
    else:
        table.write_bytes(content)
    before = table.read_bytes()
    assert main(["--table", str(table), "--seeds", "1"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1 and table.read_bytes() == before


def test_an_exploding_loss_does_not_swamp_the_surrogates_loss_for_ordinary_configurations():
    from benchmarks.curves.design import sobol_configs
    from benchmarks.curves.surrogate import CurveSurrogate
    from spaces import SPACES

    table = _planted_table()
    table.loc[table["config_id"] == 0, "val_loss"] = 2.8e8  # a finite but exploded run, as recorded on FER2013
    config = {**sobol_configs(SPACES["full"], points=2)[1], "optimizer": "adamw", "arch": "arch1"}
    assert CurveSurrogate(table, max_epochs=3).curve(config).val_loss[-1] == pytest.approx(2 - 0.6, rel=0.1)


def test_the_simulated_loss_keeps_following_the_accuracy_beside_exploded_runs():
    """A loss-ranked rung is only judged fairly if the simulated loss orders configurations as the
    recorded one does. Planted: loss = 2 − accuracy, accuracy rising with the learning rate, and
    a few exploded runs (losses of 1e8, as recorded on FER2013) scattered through the space."""
    from scipy.stats import spearmanr

    from benchmarks.curves.design import sobol_configs
    from benchmarks.curves.surrogate import CurveSurrogate
    from spaces import SPACES

    table = _planted_table()
    lr = np.log10(table["lr"].astype(float))
    table["val_acc"] = 0.25 + 0.1 * (lr - lr.min()) / (lr.max() - lr.min()) * table["epoch"]
    table["val_loss"] = 2 - table["val_acc"]
    table.loc[table["config_id"] % 8 == 3, "val_loss"] = 1e8
    surrogate = CurveSurrogate(table, max_epochs=3)
    curves = [surrogate.curve(config) for config in sobol_configs(SPACES["full"], seed=1, points=64)]
    accuracy, loss = zip(*((c.val_acc[1], c.val_loss[1]) for c in curves))
    assert spearmanr(loss, accuracy).statistic < -0.6  # before the cap and the shared forest: +0.33


def test_a_seed_replays_the_same_optuna_hyperband_search_every_time():
    """Optuna's Hyperband picks a trial's bracket from a hash of the study's name: an unnamed
    study gets a random one, and the same seed would give another search each run."""
    from benchmarks.curves.arms import Setting, build

    setting = Setting(SPACE, max_epochs=3, grace_epochs=1, budget_s=1e6, samples=40, baselines=False)

    def played() -> list[tuple]:
        arm = build("optuna-hyperband", setting, seed=7)
        trace = simulate(SPACE, arm.study, arm.stopper, _curve, slots=2, budget_s=setting.budget_s, max_epochs=3,
                         samples=setting.samples)
        return [(r.trial, r.epoch, r.time_s) for r in trace.reports]

    assert played() == played()
