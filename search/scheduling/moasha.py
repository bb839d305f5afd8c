"""The multi-objective ranking at a rung (MOASHA): accuracy up and training time down, together.

MOASHA (Schmucker et al., 2021, "Multi-objective Asynchronous Successive Halving"; Syne
Tune's `MOASHA`) keeps ASHA's rungs and replaces its one-metric ranking with non-dominated
sorting, so the top 1/η that go on are the trials nearest the accuracy–time front rather
than the most accurate alone. Here that is one function, `pareto_ranking`, handed to
`search.scheduling.successive_halving.SuccessiveHalving`: the rung bookkeeping is ASHA's, unchanged.

Each trial is judged on two objectives: its quality so far, as the single-objective ranking
judges it (lowest validation loss, ties by best accuracy: at early rungs the best predictor
of final accuracy, see `search.scheduling.successive_halving`), and its full-run training time projected
from the seconds per epoch it has measured (a trial at a rung has not run its full course;
its time per epoch is what is known, and every trial is projected the same way). Within one
front, ties are broken as NSGA-II does, by crowding distance: trials at the
ends of the front and in sparse stretches of it go first, so the survivors spread along the
front instead of crowding at one end.

The fronts have a reference point, as a front's hypervolume does: a model that predicts the
class frequencies (`CLASS_FREQUENCY`: the class-frequency loss, the majority class's accuracy)
and takes no training time at all. It joins the non-dominated sort (not the crowding), so a
trial no better than it — fast, but it has learnt nothing — is dominated and ranks behind every
trial that has learnt something. Without it, the fastest trial stuck at the majority class sat
on the first front with the infinite crowding distance of its fast end, at every rung, and ran
to the end (benchmarks/RESULTS.md, "Time-aware search in the simulator").
"""

from __future__ import annotations

from typing import Callable

from experiment.pareto import crowding_distances, non_dominated_fronts
from search.scheduling.successive_halving import Progress, accuracy_first, loss_first
from trainables.dataset import CLASS_FREQUENCY_LOSS, MAJORITY_ACCURACY

# Orders one trial's progress: lower is better, the first element is the objective the front uses.
Quality = Callable[[Progress], tuple[float, ...]]
PARETO_QUALITIES: dict[str, Quality] = {"loss": loss_first, "accuracy": accuracy_first,
                                        "accuracy_then_loss": accuracy_first}
"""The quality the front pairs with time, by the name of the single-objective ranking it matches."""
CLASS_FREQUENCY = Progress(epochs=1, best_acc=MAJORITY_ACCURACY, best_loss=CLASS_FREQUENCY_LOSS)
"""What predicting the class frequencies scores, the front's reference point (at no training time)."""
_REFERENCE = "\0class frequencies"  # its key among the trial ids: never a Ray trial id


def pareto_ranking(recorded: dict[str, Progress], quality: Quality = loss_first,
                   reference: Progress | None = CLASS_FREQUENCY) -> dict[str, tuple]:
    """Sort keys (front index, −crowding distance, the rest of `quality`) for the trials at a rung:
    lower is better; `quality`'s second signal breaks what the front and the crowding leave tied.
    `reference` (None: none) joins the non-dominated sort at no training time; it gets no key and
    no part in the crowding."""
    points = {trial_id: _objectives(p, quality) for trial_id, p in recorded.items()}
    if reference is not None:
        points[_REFERENCE] = (quality(reference)[0], 0.0)
    fronts = [[trial_id for trial_id in front if trial_id != _REFERENCE] for front in non_dominated_fronts(points)]
    keys: dict[str, tuple] = {}
    for index, front in enumerate(front for front in fronts if front):
        crowding = crowding_distances({trial_id: points[trial_id] for trial_id in front})
        keys.update({trial_id: (index, -crowding[trial_id], *quality(recorded[trial_id])[1:]) for trial_id in front})
    return keys


def _objectives(progress: Progress, quality: Quality) -> tuple[float, float]:
    """(quality's first signal, seconds per epoch): both to minimise; unknowns rank worst."""
    return (quality(progress)[0], progress.seconds_per_epoch())


