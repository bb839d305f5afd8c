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
"""

from __future__ import annotations

from typing import Callable

from experiment.pareto import crowding_distances, non_dominated_fronts
from search.scheduling.successive_halving import Progress, accuracy_first, loss_first

# Orders one trial's progress: lower is better, the first element is the objective the front uses.
Quality = Callable[[Progress], tuple[float, ...]]
PARETO_QUALITIES: dict[str, Quality] = {"loss": loss_first, "accuracy": accuracy_first,
                                        "accuracy_then_loss": accuracy_first}
"""The quality the front pairs with time, by the name of the single-objective ranking it matches."""


def pareto_ranking(recorded: dict[str, Progress], quality: Quality = loss_first) -> dict[str, tuple]:
    """Sort keys (front index, −crowding distance, the rest of `quality`) for the trials at a rung:
    lower is better; `quality`'s second signal breaks what the front and the crowding leave tied."""
    points = {trial_id: _objectives(p, quality) for trial_id, p in recorded.items()}
    fronts = non_dominated_fronts(points)
    keys: dict[str, tuple] = {}
    for index, front in enumerate(fronts):
        crowding = crowding_distances({trial_id: points[trial_id] for trial_id in front})
        keys.update({trial_id: (index, -crowding[trial_id], *quality(recorded[trial_id])[1:]) for trial_id in front})
    return keys


def _objectives(progress: Progress, quality: Quality) -> tuple[float, float]:
    """(quality's first signal, seconds per epoch): both to minimise; unknowns rank worst."""
    return (quality(progress)[0], progress.seconds_per_epoch())


