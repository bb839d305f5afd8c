"""The spaces that replay the study train its setup: raw pixels, plain SGD, its grids."""

from __future__ import annotations

from spaces import SPACES, STUDY_BEST, STUDY_DEFAULT
from spaces.study import STUDY_LRS
from trainables import Hyperparameters


def test_the_study_default_and_best_keep_raw_pixels():
    assert STUDY_DEFAULT["standardize"] == STUDY_BEST["standardize"] == "raw"
    assert Hyperparameters().standardize == "raw"  # what the controlled grids hold fixed


def test_lr_batch_is_the_grid_of_the_study_figures_1_2_and_1_3():
    space = SPACES["lr_batch"]
    assert space.grid and not space.prune and space.max_epochs == 10
    assert space.grid_values() == {"lr": list(STUDY_LRS), "batch_size": [8, 256]}
    assert space.grid_size() == 12


def test_lr_scale_crosses_the_learning_rates_with_the_input_scale():
    assert SPACES["lr_scale"].grid_values() == {"lr": list(STUDY_LRS), "standardize": ["raw", "none"]}


def test_every_space_that_queues_the_study_baselines_can_hold_them():
    for name in ("full", "seed"):
        space = SPACES[name]
        for baseline in space.baselines:
            for dimension, value in baseline.items():
                choices = getattr(space.dimensions[dimension], "choices", None)
                assert choices is None or value in choices, (name, dimension, value)
