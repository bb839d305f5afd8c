"""Estimates from all the evidence a search produced, each with its uncertainty, and the one
verdict per factor and question that every section of the report says.

`time_model` explains seconds per epoch by the hyperparameters (log-linear, warm-up left out);
`accuracy_model` explains each trial's best validation accuracy (linear, early-stopped trials
compared at their epoch); both judge every factor holding the others (`linear`), corrected for
many factors (`rules`). `verdicts` turns their answers into one verdict per factor and question;
`sentences` says them; `lr_batch_surface` answers the lr × batch-size question with a forest.
Each is computed once per experiment (`models`; `verdicts.verdicts`).
"""

from reports.evidence.models import accuracy_model, lr_batch_surface, time_model

__all__ = ["accuracy_model", "lr_batch_surface", "time_model"]
