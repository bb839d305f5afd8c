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

from reports import figures
from reports.experiment import Experiment, ReportError, load_experiment
from reports.figures.panel import Panel, no_figure
from reports.headline import headline, headline_html
from reports.page import page_html, section_html

REPORT_FILE = "report.html"


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
    Section("Learning curves",
            "Validation accuracy and loss per epoch, as in the study's figures 1.2 and 1.3; use the menu to colour "
            "by learning rate or by batch size.", figures.learning_curves),
    Section("Batch size", "The study's batch-size table, rebuilt from this search.", figures.batch_table),
    Section("Activation and standardization",
            "Accuracy and training time per epoch for each activation and standardization.",
            figures.activation_and_standardization),
    Section("What mattered for accuracy",
            "Optuna's hyperparameter importance for the study's objective.", figures.accuracy_importance),
    Section("What mattered for training time",
            "Optuna's hyperparameter importance with training time as the target.", figures.time_importance),
    Section("Learning rate × batch size",
            "Mean best validation accuracy per learning-rate range and batch size.", figures.lr_batch_heatmap),
    Section("What ASHA saved",
            "Epochs and training seconds actually spent, against running every trial to the end.",
            figures.asha_savings_chart),
)


def build_report(folder: Path) -> Path:
    """Write `<folder>/report.html` and return its path; raises ReportError with one line."""
    experiment = load_experiment(Path(folder))
    sections = [section_html(i, s.title, s.why, _panel(s, experiment)) for i, s in enumerate(SECTIONS, start=1)]
    html = page_html(f"fer-search report: {experiment.name}", headline_html(headline(experiment)), sections)
    path = experiment.folder / REPORT_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
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
