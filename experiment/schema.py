"""What the files of an experiment say: the Parquet schemas, the trial states and the keys of
`summary.json`, in one place for the search that writes them and the report that reads them.

The hyperparameter columns come from `trainables.hyperparameters.TABLE`.
"""

from __future__ import annotations

import pyarrow as pa

from trainables.hyperparameters import NAMES as HYPERPARAMETERS
from trainables.hyperparameters import TABLE

COMPLETE, PRUNED, DIVERGED, FAILED = "complete", "pruned", "diverged", "failed"
STATES = (COMPLETE, PRUNED, DIVERGED, FAILED)

# summary.json: summary[SEARCH][SCHEDULER] is the early stopping a search used, NO_EARLY_STOPPING if none
SEARCH, SCHEDULER, OBJECTIVE, NO_EARLY_STOPPING = "search", "scheduler", "objective", "none"
MAX_TRAIN_TIME = "max_train_time_s"  # summary[SEARCH][MAX_TRAIN_TIME]: the user's --max-train-time-s, None if none
SPACE, SPACE_FILE, SPACE_SPEC = "space", "space_file", "space_spec"  # a space from a file: its name and content
FINISHED, INTERRUPTED = "finished", "interrupted"
STALLED = "stalled"  # summary status: ended by --max-wait-s, its trials waiting for resources no node had

# summary.json's "best" (= best/metrics.json): the deliverable, what best/ holds. Besides the leading
# model's trial_id, config, epoch and the deliverable's val_acc / test_acc / per_class, it says what
# the model is (MODEL, in words; FLIP; MEMBERS) and what each step from the search's best checkpoint
# to it added (STEPS, in STEP_NAMES order, each with its model, val_acc and test_acc).
MODEL, FLIP, MEMBERS, STEPS, STEP = "model", "flip", "members", "steps", "step"
SEARCH_BEST, FINAL_TRAINING, FLIP_STEP, ENSEMBLE = "search best", "final training", "flip", "ensemble"
STEP_NAMES = (SEARCH_BEST, FINAL_TRAINING, FLIP_STEP, ENSEMBLE)
DELIVERABLE = "deliverable"  # in a step: True for the step whose model best/ holds
TEST_CHANGE = "test_acc_change"  # in a step after the first: [change, low, high] from the step before, 95% paired
FINAL = "final"  # summary.json: the final training's plan and status (absent without one)

_ARROW_TYPES = {str: pa.string(), float: pa.float64(), int: pa.int64(), bool: pa.bool_()}
HYPERPARAMETER_FIELDS = [pa.field(row.name, _ARROW_TYPES[row.kind]) for row in TABLE]
TRIALS_SCHEMA = pa.schema([
    pa.field("trial_id", pa.string()), pa.field("optuna_number", pa.int64()), pa.field("state", pa.string()),
    pa.field("baseline", pa.string()), pa.field("reused_from", pa.string()), *HYPERPARAMETER_FIELDS,
    pa.field("seed", pa.int64()),
    pa.field("best_val_acc", pa.float64()), pa.field("best_epoch", pa.int64()), pa.field("last_val_acc", pa.float64()),
    pa.field("train_time_s", pa.float64()), pa.field("full_run_time_s", pa.float64()),
    pa.field("full_run_time_projected", pa.bool_()), pa.field("epochs", pa.int64()), pa.field("max_epochs", pa.int64()),
    pa.field("param_count", pa.int64()), pa.field("images_per_s", pa.float64()), pa.field("precision", pa.string()),
    pa.field("nodes", pa.list_(pa.string())), pa.field("node_losses", pa.int64()), pa.field("device", pa.string()),
    pa.field("fail_reason", pa.string()),
])
PLAN_SCHEMA = pa.schema([
    pa.field("arm", pa.string()), pa.field("kind", pa.string()), pa.field("changed", pa.string()),
    pa.field("step", pa.float64()), pa.field("sweep_batch_size", pa.int64()), pa.field("seed", pa.int64()),
    pa.field("own", pa.bool_()), pa.field("dropped", pa.bool_()), pa.field("expected_s", pa.float64()),
    *HYPERPARAMETER_FIELDS,
])
"""explain/plan.parquet: the arms of an explain experiment, a row per arm and seed (a dropped arm: one row,
no seed); its runs are found in explain/trials.parquet by their hyperparameters and seed (`own`: the search's
own run of the best, in the search's files)."""
EPOCHS_SCHEMA = pa.schema([
    pa.field("trial_id", pa.string()), pa.field("optuna_number", pa.int64()), pa.field("epoch", pa.int64()),
    pa.field("val_acc", pa.float64()), pa.field("val_loss", pa.float64()), pa.field("train_acc", pa.float64()),
    pa.field("train_loss", pa.float64()), pa.field("epoch_time_s", pa.float64()), pa.field("train_time_s", pa.float64()),
    pa.field("images_per_s", pa.float64()), pa.field("eval_time_s", pa.float64()), pa.field("diverged", pa.bool_()),
    pa.field("reported_at", pa.float64()),
])

__all__ = ["COMPLETE", "DELIVERABLE", "DIVERGED", "ENSEMBLE", "EPOCHS_SCHEMA", "FAILED", "FINAL", "FINAL_TRAINING",
           "FINISHED", "FLIP", "FLIP_STEP", "HYPERPARAMETERS", "INTERRUPTED", "MAX_TRAIN_TIME", "MEMBERS", "MODEL",
           "NO_EARLY_STOPPING", "OBJECTIVE", "PLAN_SCHEMA", "PRUNED", "SCHEDULER", "SEARCH", "SEARCH_BEST", "SPACE",
           "SPACE_FILE", "SPACE_SPEC", "STALLED", "STATES", "STEP", "STEPS", "STEP_NAMES", "TEST_CHANGE", "TRIALS_SCHEMA"]
