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
    pa.field("node", pa.string()), pa.field("device", pa.string()), pa.field("error", pa.string()),
])
EPOCHS_SCHEMA = pa.schema([
    pa.field("trial_id", pa.string()), pa.field("optuna_number", pa.int64()), pa.field("epoch", pa.int64()),
    pa.field("val_acc", pa.float64()), pa.field("val_loss", pa.float64()), pa.field("train_acc", pa.float64()),
    pa.field("train_loss", pa.float64()), pa.field("epoch_time_s", pa.float64()), pa.field("train_time_s", pa.float64()),
    pa.field("images_per_s", pa.float64()), pa.field("eval_time_s", pa.float64()), pa.field("diverged", pa.bool_()),
    pa.field("reported_at", pa.float64()),
])

__all__ = ["COMPLETE", "DIVERGED", "EPOCHS_SCHEMA", "FAILED", "FINISHED", "HYPERPARAMETERS", "INTERRUPTED",
           "MAX_TRAIN_TIME", "NO_EARLY_STOPPING", "OBJECTIVE", "PRUNED", "SCHEDULER", "SEARCH", "SPACE", "SPACE_FILE",
           "SPACE_SPEC", "STATES", "TRIALS_SCHEMA"]
