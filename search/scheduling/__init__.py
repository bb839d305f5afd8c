"""Early stopping: successive halving over epochs (`SuccessiveHalving`), its multi-objective
ranking (`pareto_ranking`, MOASHA) and its state in Tune's experiment snapshots."""

from search.scheduling.moasha import PARETO_QUALITIES, pareto_ranking
from search.scheduling.scheduler_state import SchedulerState
from search.scheduling.successive_halving import (RANKINGS, Progress, Rungs, SuccessiveHalving, accuracy_first,
                                                  accuracy_only, accuracy_then_loss, loss_first, loss_then_accuracy)

__all__ = ["PARETO_QUALITIES", "RANKINGS", "Progress", "Rungs", "SchedulerState", "SuccessiveHalving",
           "accuracy_first", "accuracy_only", "accuracy_then_loss", "loss_first", "loss_then_accuracy",
           "pareto_ranking"]
