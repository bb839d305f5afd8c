"""The final test pass runs in the trial's precision where the head has its kind of device."""

from __future__ import annotations

import torch

from search.best import final_pass_precision


def test_a_gpu_trial_is_tested_in_fp32_on_a_cpu_head_and_in_its_own_precision_on_a_gpu():
    assert final_pass_precision("cuda (NVIDIA A10G)", "bf16", torch.device("cpu")) == "fp32"
    assert final_pass_precision("cuda (NVIDIA A10G)", "bf16", torch.device("cuda:0")) == "bf16"
    assert final_pass_precision("cpu", "bf16", torch.device("cpu")) == "bf16"  # a CPU with native bf16 trained it
    assert final_pass_precision(None, None, torch.device("cpu")) == "auto"
