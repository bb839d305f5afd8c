"""Ensemble selection with replacement (Caruana et al. 2004) and flip test-time augmentation, on
probabilities written by hand: three faces, all of class 0, two classes (p is P(class 0))."""

from __future__ import annotations

import numpy as np
import pytest

from search.final.selection import accuracy, ensemble_selection, flip_helps, with_flip

LABELS = np.zeros(3, dtype=int)


def _model(p_class_0: list[float]) -> np.ndarray:
    p = np.asarray(p_class_0)
    return np.stack([p, 1 - p], axis=1)


A = _model([0.7, 0.7, 0.45])  # right on faces 1-2, narrowly wrong on 3: 2/3, log-loss 0.504
B = _model([0.2, 0.9, 0.9])  # right on 2-3, badly wrong on 1: 2/3, log-loss 0.606
HURTS = _model([0.45, 0.45, 0.45])  # wrong on every face


def test_the_first_round_takes_the_best_model_a_tie_in_accuracy_going_to_the_lower_log_loss():
    selection = ensemble_selection([B, A, HURTS], LABELS, rounds=1)
    assert selection.counts == (0, 1, 0) and selection.val_acc == pytest.approx(2 / 3)


def test_selection_is_with_replacement_a_model_chosen_twice_weighs_twice():
    # (A + B)/2 is still 2/3 right; (2A + B)/3 = [0.53, 0.77, 0.6] gets all three faces right
    selection = ensemble_selection([A, B, HURTS], LABELS, rounds=3)
    assert selection.counts == (2, 1, 0)
    assert selection.val_acc == 1.0 and selection.val_acc_by_round == pytest.approx((2 / 3, 2 / 3, 1.0))
    assert selection.members == [0, 1]  # most often chosen first


def test_a_member_that_hurts_is_never_chosen_though_averaging_every_model_would_take_it():
    selection = ensemble_selection([HURTS, A, B], LABELS, rounds=20)
    assert selection.counts[0] == 0 and selection.val_acc == 1.0
    assert len(selection.val_acc_by_round) == 20


def test_rounds_after_the_best_one_are_dropped_the_best_rounds_ensemble_is_kept():
    library = [_model([0.74, 0.6, 0.34, 0.7, 0.49]), _model([0.95, 0.75, 0.8, 0.28, 0.19]),
               _model([0.23, 0.44, 0.51, 0.23, 0.75])]
    selection = ensemble_selection(library, np.zeros(5, dtype=int), rounds=6)
    assert selection.val_acc_by_round == pytest.approx((0.6, 0.6, 0.6, 0.6, 0.8, 0.6))  # round 6 lowered it
    assert selection.counts == (3, 2, 0) and selection.val_acc == pytest.approx(0.8)


def test_identical_models_tie_to_the_earlier_one_and_the_smaller_ensemble():
    selection = ensemble_selection([A, A.copy(), B], LABELS, rounds=5)
    assert selection.counts[1] == 0  # A's copy never: the earlier of two equals
    alone = ensemble_selection([A, A.copy()], LABELS, rounds=5)
    assert alone.counts == (1, 0)  # every round equal: the first, the smallest ensemble


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="rounds"):
        ensemble_selection([A], LABELS, rounds=0)
    with pytest.raises(ValueError, match="library"):
        ensemble_selection([], LABELS)


def test_flip_is_the_average_of_the_face_and_its_mirror_image_and_used_when_it_does_not_lower_accuracy():
    np.testing.assert_allclose(with_flip(A, _model([0.3, 0.9, 0.65]))[:, 0], [0.5, 0.8, 0.55])
    assert flip_helps(A, _model([0.9, 0.9, 0.65]), LABELS)  # face 3 rises to 0.55: 3/3, used
    same = _model([0.8, 0.6, 0.4])
    assert accuracy(with_flip(A, same), LABELS) == accuracy(A, LABELS)
    assert flip_helps(A, same, LABELS)  # equal: used, it does not lower accuracy
    assert not flip_helps(A, _model([0.1, 0.7, 0.45]), LABELS)  # face 1 drops to 0.4: 1/3, not used
