"""The final training's plan, `final/final.json`: written before its first epoch so that a resumed
final training needs no flags, and updated with its status and outcome. Importable without Ray."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from experiment.files import FINAL_DIR, FINAL_RECORD_FILE, write_json_atomically
from experiment.schema import FINISHED
from search.final.recipe import Member
from trainables.hyperparameters import SEED_KEY

RUNNING = "running"


@dataclass(frozen=True)
class FinalPlan:
    """What the final training trains, how, and how it stands.

    Attributes:
        members: the configurations, best first, each with its epochs.
        rule: how the epochs were chosen, in words.
        ensemble_rounds: the rounds of ensemble selection afterwards (0: none).
        cpus_per_trial, gpus_per_trial, precision: as the search's trials had them.
        train_images: the training images each member sees per epoch.
        budget_s: the time budget the epochs were fitted to, if any.
        status: RUNNING, INTERRUPTED or FINISHED.
        outcome: what it came to (wall time, each member's last validation accuracy), once known.
    """

    members: tuple[Member, ...]
    rule: str
    ensemble_rounds: int
    cpus_per_trial: float
    gpus_per_trial: float
    precision: str
    train_images: int
    budget_s: float | None = None
    status: str = RUNNING
    outcome: dict[str, Any] = field(default_factory=dict)

    def epochs_of(self, config: dict[str, Any]) -> int:
        """The epochs of the member trained with `config`."""
        return next(m.epochs for m in self.members if m.config == comparable(config))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "members": [m.as_dict() for m in self.members]}

    @classmethod
    def from_dict(cls, content: dict[str, Any]) -> "FinalPlan":
        return cls(**{**content, "members": tuple(Member(**m) for m in content["members"])})


def record_path(experiment_dir: Path) -> Path:
    return Path(experiment_dir) / FINAL_DIR / FINAL_RECORD_FILE


def write_plan(experiment_dir: Path, plan: FinalPlan) -> None:
    path = record_path(experiment_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomically(path, plan.as_dict())


def read_plan(experiment_dir: Path) -> FinalPlan | None:
    """The final training's recorded plan, or None when none was started."""
    path = record_path(experiment_dir)
    if not path.is_file():
        return None
    return FinalPlan.from_dict(json.loads(path.read_text()))


def finished(plan: FinalPlan | None) -> bool:
    return plan is not None and plan.status == FINISHED


def comparable(config: dict[str, Any]) -> dict[str, Any]:
    """A config as a plan records it (Tune may hand a seed back as another integer type)."""
    return {k: (int(v) if k == SEED_KEY else v) for k, v in config.items()}


def with_status(plan: FinalPlan, status: str, **outcome: Any) -> FinalPlan:
    return replace(plan, status=status, outcome={**plan.outcome, **outcome})
