"""The study never runs ahead of Ray Tune's saved state: a finished trial is told to Optuna when
Tune snapshots the experiment, and a trial asked just before the driver died is adopted, not lost."""

from __future__ import annotations

import optuna
from ray.tune.search.optuna import OptunaSearch

from search.study.optuna_searcher import TruthfulOptunaSearch
from spaces import SPACES


def _searcher(tmp_path) -> TruthfulOptunaSearch:
    return TruthfulOptunaSearch(SPACES["smoke"], metric="val_acc", mode="max", max_epochs=2, study_name="s",
                                storage=optuna.storages.RDBStorage(f"sqlite:///{tmp_path}/optuna.db"),
                                sampler=optuna.samplers.RandomSampler(seed=0))


def _result(epoch: int) -> dict:
    return {"epoch": epoch, "training_iteration": epoch, "val_acc": 0.3, "val_loss": 1.7, "train_time_s": 1.0 * epoch}


def test_a_finished_trial_is_told_to_the_study_only_when_tune_saves_the_experiment(tmp_path):
    searcher = _searcher(tmp_path)
    searcher.suggest("a")
    searcher.on_trial_result("a", _result(1))
    searcher.on_trial_complete("a", _result(2))
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert study.trials[0].state == optuna.trial.TrialState.RUNNING
    searcher.save(str(tmp_path / "searcher.pkl"))
    assert study.trials[0].state == optuna.trial.TrialState.COMPLETE
    assert study.trials[0].value == 0.3 and study.trials[0].intermediate_values == {1: 0.3, 2: 0.3}


def test_a_restored_searcher_tells_what_it_saved_but_had_not_told(tmp_path):
    searcher = _searcher(tmp_path)
    searcher.suggest("a")
    searcher.on_trial_complete("a", _result(2))
    OptunaSearch.save(searcher, str(tmp_path / "searcher.pkl"))  # saved; the driver dies before telling
    restored = _searcher(tmp_path)
    restored.restore(str(tmp_path / "searcher.pkl"))
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert study.trials[0].state == optuna.trial.TrialState.COMPLETE


def test_a_trial_asked_after_the_last_snapshot_is_adopted_by_the_next_ray_trial(tmp_path):
    searcher = _searcher(tmp_path)
    searcher.suggest("a")
    searcher.save(str(tmp_path / "searcher.pkl"))
    searcher.suggest("b")  # asked, then the driver dies before Tune saves again
    restored = _searcher(tmp_path)
    restored.restore(str(tmp_path / "searcher.pkl"))
    config = restored.suggest("c")
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert len(study.trials) == 2  # no third Optuna trial
    assert study.trials[1].user_attrs["ray_trial_id"] == "c"
    assert config == SPACES["smoke"].config_of(study.trials[1].params)


def test_nothing_new_is_proposed_while_a_trial_sent_back_to_its_checkpoint_waits(tmp_path):
    searcher = _searcher(tmp_path)
    searcher.suggest("a")
    searcher.on_trial_result("a", _result(1))
    searcher.resuming("a", waits=True)  # its node was lost; Ray requeued it
    assert searcher.suggest("b") is None
    study = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert len(study.trials) == 1  # nothing asked of Optuna either
    searcher.resuming("a", waits=False)  # started again, on another node
    assert searcher.suggest("b") is not None


def test_a_training_error_is_a_fail_with_its_reason_and_no_epoch(tmp_path):
    searcher = _searcher(tmp_path)
    searcher.suggest("a")
    searcher.on_trial_result("a", _result(1))
    error = {"training_iteration": 2, "val_acc": 0.3, "train_time_s": 1.0,
             "training_error": "IndexError: Target 7 is out of bounds."}
    searcher.on_trial_result("a", error)
    searcher.on_trial_complete("a", error)
    searcher.save(str(tmp_path / "searcher.pkl"))
    (trial,) = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/optuna.db").trials
    assert trial.state == optuna.trial.TrialState.FAIL
    assert trial.user_attrs["fail_reason"] == "IndexError: Target 7 is out of bounds."
    assert trial.intermediate_values == {1: 0.3} and trial.user_attrs["epochs"] == 1
