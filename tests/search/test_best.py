"""The final test pass runs in the trial's precision where the head has its kind of device."""

from __future__ import annotations

import torch

from search.best import final_pass_precision


def test_a_gpu_trial_is_tested_in_fp32_on_a_cpu_head_and_in_its_own_precision_on_a_gpu():
    assert final_pass_precision("cuda (NVIDIA A10G)", "bf16", torch.device("cpu")) == "fp32"
    assert final_pass_precision("cuda (NVIDIA A10G)", "bf16", torch.device("cuda:0")) == "bf16"
    assert final_pass_precision("cpu", "bf16", torch.device("cpu")) == "bf16"  # a CPU with native bf16 trained it
    assert final_pass_precision(None, None, torch.device("cpu")) == "auto"


def test_a_checkpoint_deleted_under_a_restored_result_list_is_left_out_not_fatal(smoke_experiment, small_synthetic,
                                                                                  tmp_path):
    """A driver killed while Tune dropped a checkpoint from its kept top-k restores a list that still
    names it (seen in test_resume); the library goes on with the checkpoints that exist."""
    import shutil

    from ray import tune
    from ray.tune import ResultGrid

    from search.best import search_library

    experiment = tmp_path / "copy"
    shutil.copytree(smoke_experiment[0], experiment)
    results = ResultGrid(tune.ExperimentAnalysis(str(experiment / "ray"), default_metric="val_acc", default_mode="max"))
    whole, _ = search_library(results, small_synthetic, lambda _: None, max_epochs=3)
    assert len(whole) >= 2
    with whole[0].checkpoint.as_directory() as folder:
        shutil.rmtree(folder)
    rest, _ = search_library(results, small_synthetic, lambda _: None, max_epochs=3)
    assert [m.trial_id for m in rest] == [m.trial_id for m in whole[1:]]
