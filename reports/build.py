"""`python -m reports.build <experiment dir>`: write `<dir>/report.html` and print its path.

A folder that cannot be reported on (missing, or without its Parquet files) gives one
line on stderr and exit status 2; a figure that fails is replaced by a note, so one bad
figure never costs the page.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from collections.abc import Callable
from typing import NamedTuple

from experiment.files import REPORT_FILE, write_atomically
from reports import figures
from reports.experiment import Experiment, ReportError, load_experiment
from reports.figures.panel import Panel, no_figure
from reports.headline import headline, headline_html
from reports.page import page_html, section_html



class Section(NamedTuple):
    title: str
    why: str
    draw: Callable[[Experiment], Panel]


SECTIONS = (
    Section("Accuracy against training time",
            "Every trial as a point: colour is the architecture, the marker its fate. The dotted line is the Pareto "
            "front (nothing is both more accurate and faster); stars and the band are the study's published "
            "results, measured on other hardware.", figures.accuracy_vs_time),
    Section("Accuracy–time trade-off",
            "The best full run beside the fastest full runs within 1, 2 and 5 points of it, and the knee of the "
            "front: where more training time stops buying much accuracy (ringed on the chart above).",
            figures.trade_off_table),
    Section("The best model per emotion",
            "Where the best trial's model sees each emotion and which it confuses, on the test split it was "
            "tested on once: FER2013 is imbalanced, and accuracy alone hides the emotions a model cannot see.",
            figures.per_class),
    Section("What drives training time",
            "Each hyperparameter's effect on the seconds per epoch, with its 95% interval, from every timed epoch of "
            "every trial (pruned and diverged ones measured time too).", figures.time_drivers),
    Section("What drives accuracy",
            "Each hyperparameter's best value against its worst, every trial compared at a full run as a surrogate "
            "fitted on all their epochs predicts it, with intervals.", figures.accuracy_drivers),
    Section("Learning rate × batch size",
            "The study found that the best learning rate depends on the batch size: the predicted accuracy over "
            "both, with the trials on it.", figures.lr_batch_heatmap),
    Section("Activation and standardization",
            "Each value's predicted accuracy and cost per epoch, every other hyperparameter accounted for.",
            figures.activation_and_standardization),
    Section("Controlled replay of the study",
            "A search that varied one hyperparameter (or two, crossed) compares its values directly, beside the "
            "study's published numbers.", figures.replay),
    Section("Learning curves",
            "Validation accuracy and loss per epoch, as in the study's figures 1.2 and 1.3; use the menu to colour "
            "by learning rate or by batch size.", figures.learning_curves),
    Section("Batch size", "The study's batch-size table, rebuilt from this search.", figures.batch_table),
    Section("Optuna's importance",
            "Optuna's hyperparameter importance for the study's objective, where enough trials finished.",
            figures.accuracy_importance),
    Section("What ASHA saved",
            "Epochs and training seconds actually spent, against running every trial to the end.",
            figures.asha_savings_chart),
    Section("Where the trials ran",
            "The Ray nodes and the trials each held; a trial whose node was lost resumed from its last checkpoint "
            "on another, and is listed on both.", figures.nodes_table),
)


def build_report(folder: Path) -> Path:
    """Write `<folder>/report.html` and return its path; raises ReportError with one line."""
    experiment = load_experiment(Path(folder))
    sections = [section_html(i, s.title, s.why, _panel(s, experiment)) for i, s in enumerate(SECTIONS, start=1)]
    html = page_html(f"fer-search report: {experiment.name}", headline_html(headline(experiment)), sections)
    path = experiment.folder / REPORT_FILE
    write_atomically(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return path


def _panel(section: Section, experiment: Experiment) -> Panel:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return section.draw(experiment)
    except Exception as exc:  # a bug in one figure must not cost the rest of the page
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        print(f"reports.build: figure {section.title!r} not drawn ({message})", file=sys.stderr)
        return no_figure(f"This figure could not be drawn ({message}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.build",
                                     description="Write <dir>/report.html for an experiment folder.")
    parser.add_argument("folder", type=Path, help="experiment folder written by python -m search.run")
    args = parser.parse_args(argv)
    try:
        print(build_report(args.folder))
    except ReportError as exc:
        print(f"reports.build: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
