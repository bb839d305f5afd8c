"""What an experiment records about itself before its first trial, so `--resume` needs no flags.

`search.json` in the experiment folder holds every setting of the search (space, samples,
epochs, seed, sampler, scheduler, storage, precision, …) and where its data came from
(path, training subset, split sizes). `summary.json` says whether it finished.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from experiment.files import RECORD_FILE, SUMMARY_FILE, write_json_atomically
from experiment.schema import FINAL, FINISHED
from search.options import SearchOptions
from spaces import SPACES
from spaces.files import SpaceFileError, space_from_spec, space_to_spec


class RecordError(ValueError):
    """The folder holds no experiment that can be resumed; the message is one line."""


@dataclass(frozen=True)
class RecordedSearch:
    """A search's settings and its data's origin, as written at its start."""

    options: SearchOptions
    data: str | None  # the data path; None for the built-in synthetic faces
    train_subset: int | None
    split_sizes: tuple[int, int, int]


def write_record(search: RecordedSearch) -> None:
    space = search.options.space
    options = {f.name: getattr(search.options, f.name) for f in dataclasses.fields(search.options)} | {
        "space": space.name, "space_spec": space_to_spec(space), "space_file": space.source,
        "experiment_dir": str(search.options.experiment_dir)}
    content = {"options": options, "data": search.data, "train_subset": search.train_subset,
               "split_sizes": list(search.split_sizes)}
    write_json_atomically(search.options.experiment_dir / RECORD_FILE, content)


def read_record(folder: Path) -> RecordedSearch:
    """The recorded search of `folder`; RecordError unless it is an unfinished experiment."""
    recorded = load_record(folder, "--resume", "resume")
    folder = recorded.options.experiment_dir
    if status_of(folder) == FINISHED:
        final = _summary(folder).get(FINAL)
        if isinstance(final, dict) and final.get("status") != FINISHED:  # the search is done, not its final training
            raise RecordError(f"{folder} already finished its search; continue its final training with "
                              f"python -m search.final {folder}")
        raise RecordError(f"{folder} already finished; there is nothing to resume")
    return recorded


def load_record(folder: Path, taker: str, purpose: str) -> RecordedSearch:
    """The recorded search of `folder`, finished or not; RecordError when it holds none (`taker`
    and `purpose` name, in the message, what asked for it and what for)."""
    folder = Path(folder).expanduser().absolute()
    if not folder.is_dir():
        raise RecordError(f"{folder} is not a folder; {taker} takes an experiment folder written by search.run")
    path = folder / RECORD_FILE
    if not path.is_file():
        raise RecordError(f"{folder} holds no experiment ({RECORD_FILE} is missing); nothing to {purpose}")
    try:
        content = json.loads(path.read_text())
        options = dict(content["options"])
        spec, source = options.pop("space_spec", None), options.pop("space_file", None)
        # a file's space from the content recorded at the start (the file may be gone); a named one by name
        options["space"] = (space_from_spec(spec, SPACES, source=source, default_name=options["space"])
                            if source else SPACES[options["space"]])
        options["experiment_dir"] = folder
        recorded = RecordedSearch(options=SearchOptions(**options), data=content["data"],
                                  train_subset=content["train_subset"], split_sizes=tuple(content["split_sizes"]))
    except (ValueError, KeyError, TypeError, SpaceFileError) as exc:
        raise RecordError(f"{path} is not a readable experiment record ({type(exc).__name__}: {exc})") from None
    return recorded


def status_of(folder: Path) -> str | None:
    """`finished`, `interrupted`, or None when the search never wrote its summary (e.g. SIGKILL)."""
    status = _summary(folder).get("status")
    return status if isinstance(status, str) else None


def _summary(folder: Path) -> dict:
    try:
        summary = json.loads((Path(folder) / SUMMARY_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return summary if isinstance(summary, dict) else {}

