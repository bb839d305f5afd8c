"""Experiments with planted truth: known answers for the report's evidence engine.

`kinds.KINDS` names each kind (what is planted, how trials are drawn and stopped);
`experiments.planted_experiment` draws one, seeded, as the rows the search writes, and
`experiments.write_planted` writes it as an experiment folder `reports.build` reads. No
training: seconds and accuracies follow the kind's formulas, with noise.

    from benchmarks.planted import KINDS, planted_experiment, write_planted
    trials, epochs, study = planted_experiment(KINDS["bad_activation"], seed=3)
    write_planted(folder, trials, epochs, study)
"""

from benchmarks.planted.experiments import Planted, planted_experiment, planted_trials, write_planted
from benchmarks.planted.kinds import KINDS, Kind

__all__ = ["KINDS", "Kind", "Planted", "planted_experiment", "planted_trials", "write_planted"]
