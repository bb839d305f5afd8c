"""The block at the top of the page: what data, what won, what it cost, what a near-best
configuration would have saved, and where the accuracy–time front bends."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd

from experiment.schema import (DELIVERABLE, MEMBERS, MODEL, OBJECTIVE, SEARCH, SPACE, SPACE_FILE, SPACE_SPEC, STEP,
                               STEPS, TEST_CHANGE)
from reports.evidence import accuracy_model, time_model
from reports.evidence.rules import FASTER, interval_text, join_names
from reports.evidence.time_model import MEANINGFUL
from reports.experiment import STATES, Experiment
from reports.hyperparameters import config_text, varying
from reports.knee import knee_sentence, near_best_table
from reports.pareto import ACCURACY, TIME, TimeSaving, time_saving
from spaces.files import dump_spec

OBJECTIVES = {"accuracy": "optimised validation accuracy",
              "pareto": "optimised validation accuracy and full-run training time jointly (multi-objective: "
                        "a Pareto front, not one best trial)"}


@dataclass(frozen=True)
class Headline:
    """The headline facts of one experiment.

    Attributes:
        best: the best trial's config and numbers; from summary.json (with the test
            accuracy) when it has them, else the most accurate row of trials.parquet.
        saving: fastest complete trial within 1 point of the best complete one, if any.
        trade_off: `reports.knee.near_best_table` of the trials (empty without a full run).
        counts: trials per state, every known state listed.
        objective: what the search optimised, summary.json's `search.objective`: "accuracy"
            (also when the summary does not say) or "pareto".
        data_warnings: one-line warnings of summary.json's data-quality check, if any.
        notes: inconsistencies between the files, worth a reader's attention.
    """

    name: str
    space: str | None
    synthetic: bool | None
    data_description: str | None
    varied: list[str]
    best: dict[str, Any] | None
    saving: TimeSaving | None
    trade_off: pd.DataFrame
    counts: dict[str, int]
    wall_time_s: float | None
    notes: tuple[str, ...]
    objective: str = "accuracy"
    data_warnings: tuple[str, ...] = ()
    drivers: str = ""
    space_file: str | None = None
    space_spec: dict[str, Any] | None = None


def headline(experiment: Experiment) -> Headline:
    summary = experiment.summary or {}
    trials = experiment.trials
    counts = {state: int((trials["state"] == state).sum()) for state in STATES}
    counts.update({str(s): int(n) for s, n in trials["state"].value_counts().items() if s not in STATES})
    notes = []
    recorded = {k: v for k, v in (summary.get("trials") or {}).items() if v}
    if recorded and recorded != {k: v for k, v in counts.items() if v}:
        notes.append(f"summary.json counts {_counts_text(recorded)} but trials.parquet holds {_counts_text(counts)}.")
    if experiment.summary is None:
        notes.append("summary.json is missing: the data set and the test accuracy are unknown.")
    return Headline(
        name=experiment.name, space=summary.get(SPACE), synthetic=experiment.synthetic,
        space_file=summary.get(SPACE_FILE), space_spec=summary.get(SPACE_SPEC),
        data_description=(summary.get("data") or {}).get("description"), varied=varying(trials),
        best=_best(summary, trials), saving=time_saving(trials, tolerance=0.01), trade_off=near_best_table(trials),
        counts=counts, wall_time_s=summary.get("wall_time_s"), notes=tuple(notes),
        objective=str((summary.get(SEARCH) or {}).get(OBJECTIVE) or "accuracy"), data_warnings=_data_warnings(summary),
        drivers=drivers_text(experiment))


def drivers_text(experiment: Experiment) -> str:
    """The answers of the two models in a line; their sections give the numbers and intervals."""
    try:
        time, accuracy = time_model(experiment), accuracy_model(experiment)
    except Exception as exc:  # a model that fails must not cost the page; its sections say so too
        return f"could not be estimated ({type(exc).__name__}: {exc})".splitlines()[0]
    if time.effects.empty:
        time_words = "cannot tell"
    else:
        found = time.drivers()
        open_questions = any(time.verdict(f.name) in ("confounded", "unknown") for f in time.factors)
        time_words = (join_names(found) if found else "cannot tell" if open_questions
                      else f"no hyperparameter by {MEANINGFUL:g}× or more")
    if accuracy.effects.empty:
        accuracy_words = "cannot tell"
    else:
        found = [f for f in accuracy.effects["factor"] if accuracy.decided(f)]
        accuracy_words = join_names(found) if found else "no value distinguishable from another"
    return f"training time per epoch: {time_words}; validation accuracy: {accuracy_words} (details and intervals below)"


def _data_warnings(summary: dict[str, Any]) -> tuple[str, ...]:
    """`summary["data"]["quality"]["warnings"]`, tolerating any part of the path being absent."""
    quality = (summary.get("data") or {}).get("quality") or {}
    warnings = quality.get("warnings") if isinstance(quality, dict) else None
    if not isinstance(warnings, list):
        return ()
    return tuple(str(w) for w in warnings if w is not None and str(w).strip())


def _best(summary: dict[str, Any], trials: pd.DataFrame) -> dict[str, Any] | None:
    if summary.get("best"):
        return {**summary["best"], "source": "summary.json (the model in best/, tested once)"}
    measured = trials.dropna(subset=[ACCURACY])
    if measured.empty:
        return None
    row = measured.sort_values([ACCURACY, TIME], ascending=[False, True], na_position="last").iloc[0]
    return {"trial_id": row["trial_id"], "optuna_number": row.get("optuna_number"), "config": row.to_dict(),
            "val_acc": row[ACCURACY], "test_acc": None, "train_time_s": row[TIME], "epoch": row.get("best_epoch"),
            "source": "trials.parquet (no test accuracy recorded)"}


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{state} {n}" for state, n in counts.items())


def headline_html(h: Headline) -> str:
    """The headline as an HTML fragment (every value escaped)."""
    rows = [("search", _search_text(h)), ("best", _best_text(h.best))]
    if (h.best or {}).get(STEPS):
        rows.append(("from search to model", steps_html(h.best)))
    rows += [("near-best, faster", _saving_text(h.saving)),
            ("knee", escape(knee_sentence(h.trade_off))), ("what drives", escape(h.drivers)),
            ("trials", escape(_counts_text(h.counts)))]
    table = "\n".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in h.notes)
    return f"{_data_banner(h)}\n<table class=\"headline\">\n{table}\n</table>\n{notes}"


def _data_banner(h: Headline) -> str:
    description = escape(h.data_description or "")
    warnings = "".join(f'<p class="warning"><strong>Data warning:</strong> {escape(w)}</p>' for w in h.data_warnings)
    if h.synthetic:
        return (f'<div class="data synthetic"><strong>SYNTHETIC DATA</strong> — {description}. These numbers test '
                f"the pipeline; they say nothing about facial-emotion accuracy on FER2013.{warnings}</div>")
    if h.synthetic is False:
        return f'<div class="data real"><strong>Real FER2013</strong> — {description}{warnings}</div>'
    return ('<div class="data unknown"><strong>DATA SET UNKNOWN</strong> — summary.json is missing, so this page '
            f"cannot say whether these numbers come from FER2013 or from synthetic faces.{warnings}</div>")


def _search_text(h: Headline) -> str:
    space = f"space <code>{escape(h.space)}</code>" if h.space else "space unknown"
    details = ""
    if h.space_file:
        space += f" from the file <code>{escape(h.space_file)}</code>"
        content = escape(dump_spec(h.space_spec)) if h.space_spec else "not recorded"
        details = f"<details><summary>the space file as recorded</summary><pre>{content}</pre></details>"
    objective = OBJECTIVES.get(h.objective, f"objective {h.objective}")
    varied = ", ".join(h.varied) if h.varied else "nothing (one configuration)"
    wall = f"; wall time {h.wall_time_s:,.0f} s" if h.wall_time_s is not None else ""
    return f"{space}; {escape(objective)}; varied {escape(varied)}{escape(wall)}{details}"


def _best_text(best: dict[str, Any] | None) -> str:
    if best is None:
        return "no trial reported a validation accuracy"
    test = (f", test {best['test_acc']:.1%} ({escape(str(best.get('test_split') or 'test'))})"
            if best.get("test_acc") is not None else "")
    one_model = len(best.get(MEMBERS) or [None]) == 1  # an ensemble's training time is not its leading model's
    time = (f" after {best['train_time_s']:,.1f} s of training"
            if best.get("train_time_s") is not None and one_model else "")
    model = f"{escape(str(best[MODEL]))}, led by " if best.get(MODEL) else ""
    return (f"<strong>validation {best['val_acc']:.1%}{test}</strong>{time} — {model}trial "
            f"{escape(str(best['trial_id']))}<br><code>{escape(config_text(best.get('config') or {}))}</code>"
            f'<br><span class="muted">from {escape(best["source"])}</span>')


def steps_html(best: dict[str, Any]) -> str:
    """What each step from the search's best checkpoint to the deliverable added, on validation (where
    it was chosen, so the figures flatter it) and on the test split (one pass, with the 95% interval of
    each change; one that spans zero cannot be told from noise on that many images)."""
    split = escape(str(best.get("test_split") or "test"))
    rows = []
    for step in best[STEPS]:
        change = step.get(TEST_CHANGE)
        if change is None:
            verdict = ""
        elif change[1] <= 0 <= change[2]:
            verdict = f"{100 * change[0]:+.1f} points, cannot tell from noise ({interval_text(change[1], change[2])})"
        else:
            verdict = f"{100 * change[0]:+.1f} points ({interval_text(change[1], change[2])})"
        chosen = " <strong>← best/</strong>" if step.get(DELIVERABLE) else ""
        note = f' <span class="muted">({escape(step["note"])})</span>' if step.get("note") else ""
        rows.append(f"<tr><td>{escape(step[STEP])}{chosen}</td><td>{escape(step[MODEL])}{note}</td>"
                    f"<td>{step['val_acc']:.1%}</td><td>{step['test_acc']:.1%}</td><td>{escape(verdict)}</td></tr>")
    return ('<table class="steps"><tr><th>step</th><th>model</th><th>validation</th>'
            f"<th>{split}</th><th>change on {split}</th></tr>{''.join(rows)}</table>"
            '<span class="muted">Each step is used when it does not lower validation accuracy, where it is chosen '
            "(so validation flatters it); the test split is read once, at the end.</span>")


def _saving_text(saving: TimeSaving | None) -> str:
    if saving is None:
        return "no trial ran to the end, so there is no full run to compare"
    best, fastest = saving.best, saving.fastest
    if fastest["trial_id"] == best["trial_id"]:
        return (f"the best full run (trial {escape(str(best['trial_id']))}, {best[ACCURACY]:.1%} in "
                f"{best[TIME]:,.1f} s) is also the fastest within 1 point: nothing to save")
    if saving.speedup < FASTER:
        return (f"nothing within 1 point of the best full run (trial {escape(str(best['trial_id']))}, "
                f"{best[ACCURACY]:.1%} in {best[TIME]:,.1f} s) is at least {FASTER:g}× faster: the fastest of them, "
                f"trial {escape(str(fastest['trial_id']))}, is only {saving.speedup:.2f}× faster")
    return (f"<strong>trial {escape(str(fastest['trial_id']))}: {fastest[ACCURACY]:.1%} in {fastest[TIME]:,.1f} s"
            f"</strong>, against the best full run's {best[ACCURACY]:.1%} in {best[TIME]:,.1f} s (trial "
            f"{escape(str(best['trial_id']))}) — <strong>saves {saving.saved_s:,.1f} s "
            f"({saving.speedup:.1f}× faster)</strong> for {100 * saving.accuracy_given_up:.1f} points"
            f"<br><code>{escape(config_text(fastest))}</code>")
