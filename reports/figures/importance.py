"""Optuna's own hyperparameter importance: a picture of what Optuna sees, never a verdict.

Drawn by `optuna.visualization.plot_param_importances` (PED-ANOVA by default) on the
study's COMPLETE trials, diverged ones left out (their accuracy is what broken weights measure,
not what their hyperparameters reach). Optuna's evaluators rank the hyperparameters without a
test, so the largest importance is named on pure noise as readily as on an effect (on planted
experiments where nothing mattered it named one every time): the sentence reports the ranking
as the evaluator's, and says which factors the report's tests found (`reports.evidence.
verdicts`). Below `MIN_TRIALS` complete trials it is not drawn at all.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import optuna
import plotly.graph_objects as go
from optuna.trial import FrozenTrial, TrialState

from reports.evidence.rules import join_names
from reports.evidence.verdicts import ACCURACY, verdicts
from reports.experiment import Experiment
from reports.figures.panel import Panel, no_figure
from reports.figures.style import tidy

Target = Callable[[FrozenTrial], float]
MIN_TRIALS = 20
"""Complete trials Optuna's importance needs at least, and twice the hyperparameters varied."""

ACCURACY_NOTE = ("Accuracy here is the study's objective: validation accuracy at each trial's last epoch. "
                 "Optuna counts only COMPLETE trials; diverged ones, COMPLETE in the study, are left out here.")


def accuracy_importance(experiment: Experiment) -> Panel:
    study = flat_study(experiment.study)
    # A multi-objective (pareto) study's first value is the accuracy.
    target = _first_value if study is not None and len(study.directions) > 1 else None
    named = verdicts(experiment).named(ACCURACY)
    tested = (f"by the report's tests (What drives accuracy), {join_names(named)} "
              f"change{'s' if len(named) == 1 else ''} accuracy" if named
              else "the report's tests (What drives accuracy) find no hyperparameter that changes accuracy")
    return importance_panel(study, target=target, target_name="validation accuracy", notes=(ACCURACY_NOTE,),
                            tested=tested)


def flat_study(study: optuna.Study | None) -> optuna.Study | None:
    """The study as its importance should see it, in memory: each conditional parameter under its
    hyperparameter's name, and no diverged trial.

    A conditional space gives Optuna one parameter per branch (`lr[adamw]`, `lr[sgd]`), and
    Optuna's importance only weighs parameters every trial has: `lr` would drop out. Here the
    branches become one `lr` again, over the union of their ranges. A diverged trial is COMPLETE
    in the study with the accuracy broken weights measure; it is left out.
    """
    if study is None:
        return study
    trials = study.get_trials(deepcopy=False)
    if not any("[" in name for t in trials for name in t.params) and not any(_diverged(t) for t in trials):
        return study
    trials = [t for t in trials if not _diverged(t)]
    merged: dict[str, optuna.distributions.BaseDistribution] = {}
    for trial in trials:
        for name, distribution in trial.distributions.items():
            base = name.split("[", 1)[0]
            merged[base] = _union(merged.get(base), distribution)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # "A new study created in memory" is no news
    try:
        flat = optuna.create_study(directions=study.directions)
    finally:
        optuna.logging.set_verbosity(verbosity)
    for trial in trials:
        params = {name.split("[", 1)[0]: value for name, value in trial.params.items()}
        flat.add_trial(optuna.trial.create_trial(
            state=trial.state, values=trial.values if trial.state == TrialState.COMPLETE else None, params=params,
            distributions={name: merged[name] for name in params}, user_attrs=trial.user_attrs,
            intermediate_values=trial.intermediate_values))
    return flat


def _diverged(trial: FrozenTrial) -> bool:
    return bool(trial.user_attrs.get("diverged"))


def _union(a: optuna.distributions.BaseDistribution | None,
           b: optuna.distributions.BaseDistribution) -> optuna.distributions.BaseDistribution:
    if a is None:
        return b
    if isinstance(a, optuna.distributions.FloatDistribution) and isinstance(b, optuna.distributions.FloatDistribution):
        return optuna.distributions.FloatDistribution(min(a.low, b.low), max(a.high, b.high), log=a.log and b.log)
    known = list(getattr(a, "choices", ()))
    choices = known + [c for c in getattr(b, "choices", ()) if c not in known]
    return optuna.distributions.CategoricalDistribution(choices)


def _first_value(trial: FrozenTrial) -> float:
    return trial.values[0] if trial.values else math.nan


def importance_panel(study: optuna.Study | None, target: Target | None, target_name: str,
                     notes: tuple[str, ...] = (), tested: str = "") -> Panel:
    """Optuna's importance chart for `target` (the objective when None), or a note saying
    why the study cannot rank its hyperparameters; `tested` says what the report's own tests
    found, beside the ranking."""
    if study is None:
        return no_figure("The Optuna study was not found (neither the storage named in summary.json nor "
                         "optuna.db in the folder), so importance cannot be computed.")
    reason = unsupported_reason(study, target, target_name)
    if reason:
        return no_figure(reason, *notes)
    verbosity = optuna.logging.get_verbosity()
    try:
        optuna.logging.set_verbosity(optuna.logging.ERROR)  # trials without a value are expected, not news
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figure = optuna.visualization.plot_param_importances(study, target=target, target_name=target_name)
    except Exception as exc:  # Optuna's evaluators reject some degenerate studies in their own ways
        return no_figure(f"Optuna could not rank the hyperparameters for {target_name}: {exc}", *notes)
    finally:
        optuna.logging.set_verbosity(verbosity)
    figure.update_layout(title=f"Hyperparameter importance for {target_name}", showlegend=False)
    return Panel(tidy(figure, height=120 + 45 * len(figure.data[0].y)),
                 _takeaway(figure, target_name, study, target, tested), notes)


def unsupported_reason(study: optuna.Study, target: Target | None, target_name: str) -> str | None:
    """Why importance would be meaningless here, or None: it needs two COMPLETE trials with a
    value, two hyperparameters that vary among them, and a value that varies at all."""
    measured = _measured(study, target)
    trials, values = [t for t, _ in measured], [v for _, v in measured]
    if len(trials) < 2:
        return (f"Only {len(trials)} completed trial(s) with a {target_name}; importance needs at least two, "
                "so none is shown.")
    varying = sorted({name for t in trials for name in t.params
                      if len({repr(u.params.get(name)) for u in trials}) > 1})
    if len(varying) < 2:
        only = varying[0] if varying else "no hyperparameter"
        return (f"Among the {len(trials)} completed trials only {only} varied, so it explains all the variation "
                f"by construction; see the other figures for its effect on {target_name}.")
    needed = max(MIN_TRIALS, 2 * len(varying))
    if len(trials) < needed:
        return (f"Optuna's importance is not drawn: it sees only the {len(trials)} completed trials, too few for "
                f"{len(varying)} hyperparameters (it needs {needed}); the sections above use every trial's epochs.")
    if min(values) == max(values):
        return (f"All {len(trials)} completed trials had the same {target_name} ({values[0]:.4g}), so there is "
                "nothing for the hyperparameters to explain.")
    return None


def _measured(study: optuna.Study, target: Target | None) -> list[tuple[FrozenTrial, float]]:
    """COMPLETE trials with a finite target value: what Optuna's importance evaluators use."""
    measured = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        value = target(trial) if target else trial.value
        if value is not None and math.isfinite(value):
            measured.append((trial, float(value)))
    return measured


def _takeaway(figure: go.Figure, target_name: str, study: optuna.Study, target: Target | None, tested: str) -> str:
    """What the evaluator sees, as its ranking, never as a finding."""
    bar = figure.data[0]
    ranked = sorted(zip(bar.x, bar.y), reverse=True)
    complete = len(_measured(study, target))
    shown = ", ".join(f"{name} {value:.2f}" for value, name in ranked[:3])
    found = f" {tested[0].upper()}{tested[1:]}." if tested else ""
    return (f"Optuna's importance for {target_name} on the {complete} completed trials ranks {shown}"
            f"{', …' if len(ranked) > 3 else ''}. It is a picture of how the evaluator splits the spread of "
            f"those trials, not a test: a share here can be noise.{found}")
