"""How a trial ended, and why it failed: its training's own exception, or the faults Ray gave up on."""

from __future__ import annotations

from search.outcome import fail_reason, trial_outcome

ERROR = {"training_iteration": 3, "val_acc": 0.3, "training_error": "RuntimeError: CUDA error: device-side assert"}


def test_a_result_that_reports_a_training_error_is_failed():
    assert trial_outcome(ERROR, max_epochs=9, errored=False) == "failed"
    assert trial_outcome({"epoch": 9, "val_acc": 0.3}, max_epochs=9, errored=False) == "complete"


def test_the_fail_reason_of_a_training_error_is_the_error_itself():
    assert fail_reason(ERROR, node_losses=0) == "RuntimeError: CUDA error: device-side assert"


def test_the_fail_reason_of_faults_counts_the_losses_and_quotes_rays_last_line(tmp_path):
    error_file = tmp_path / "error.txt"
    error_file.write_text("Failure # 1 (occurred at 2026-12-02_15-41-37)\nThe actor 2a is unavailable: Socket closed\n"
                          "Failure # 2 (occurred at 2026-12-02_15-42-05)\nThe actor 9e is unavailable: Socket closed\n")
    assert fail_reason({"epoch": 2}, node_losses=2, errored=True, ray_error_file=str(error_file)) == (
        "lost its node, worker or checkpoint 2 times, the last time: The actor 9e is unavailable: Socket closed")
    assert fail_reason({"epoch": 2}, node_losses=3, errored=True, ray_error_file=None) == (
        "lost its node, worker or checkpoint 3 times, the last time: Ray recorded no error text")  # unreadable
    assert fail_reason({}, node_losses=1, errored=True, ray_error_file=str(tmp_path / "missing.txt")) == (
        "lost its node, worker or checkpoint once, the last time: Ray recorded no error text")
    assert fail_reason({"epoch": 2}, node_losses=1) is None  # lost once, then finished
