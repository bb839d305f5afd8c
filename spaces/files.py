"""A search space written in a YAML or JSON file, as W&B Sweeps users write theirs, next to the
named spaces; and any space written back as such a file (`--print-space`).

    extends: full                 # optional: start from a named space, change some dimensions
    name: arch2-lr                # optional: the file's stem
    dimensions:
      arch: {choice: [arch2]}
      lr: {log_uniform: [1.0e-4, 1.0e-1]}
      batch_size: {choice: [32, 64, 128]}
      dropout: {uniform: [0.0, 0.5]}
      weight_decay:               # conditional: a range per value of an earlier dimension
        by: optimizer
        branches: {sgd: {choice: [0.0, 1.0e-4]}, adamw: {log_uniform: [1.0e-4, 1.0e-2]}}
      augment: null               # with `extends`: drop a dimension (it keeps its default)
    baselines: [{arch: arch2, lr: 0.01, batch_size: 32}]
    samples: 20
    max_epochs: 9
    grace_epochs: 2               # the first early-stopping rung
    train_subset: 8000
    time_budget_s: 1200

A distribution is `choice: [values]`, `uniform: [low, high]`, `log_uniform: [low, high]`,
`int: [low, high]` or `log_int: [low, high]`. Everything is validated at the door against
what the trainable accepts (`trainables.hyperparameters`), and a fault is one line naming the
file and the key (`SpaceFileError`), Optuna's way: "The value of `lr.low` in my.yaml is -1, but
must be > 0".
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import yaml
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from spaces.space import Conditional, SearchSpace
from trainables.hyperparameters import NAMES as HYPERPARAMETERS
from trainables.hyperparameters import Hyperparameters

SUFFIXES = (".yaml", ".yml", ".json")
KINDS = ("choice", "uniform", "log_uniform", "int", "log_int")
SETTINGS = {"samples": int, "max_epochs": int, "grace_epochs": int, "train_subset": int, "time_budget_s": float,
            "grid": bool, "prune": bool}
KEYS = ("extends", "name", "description", "dimensions", "baselines", *SETTINGS)


class SpaceFileError(ValueError):
    """A space file that cannot be used; the message is one line naming the file and the key."""


def is_space_file(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


def space_from_file(path: str | Path, named: dict[str, SearchSpace]) -> SearchSpace:
    """The space a YAML or JSON file declares (`extends` names one of `named`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpaceFileError(f"cannot read the space file {path} ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        spec = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SpaceFileError(f"{path} is not valid {path.suffix.lstrip('.').upper()} "
                             f"({str(exc).splitlines()[0]})") from None
    return space_from_spec(spec, named, source=path.name, default_name=path.stem)


def space_from_spec(spec: Any, named: dict[str, SearchSpace], source: str = "the space", default_name: str = "file",
                    ) -> SearchSpace:
    """A SearchSpace from a parsed file (a dict); `source` names it in messages."""
    check = _Checker(source)
    check.that(isinstance(spec, dict), "", "a mapping of keys (dimensions, samples, …)", type(spec).__name__)
    for key in spec:
        check.that(key in KEYS, str(key), f"one of the keys {', '.join(KEYS)}", "an unknown key")
    base = None
    if spec.get("extends") is not None:
        check.that(spec["extends"] in named, "extends", f"a named space ({', '.join(named)})", repr(spec["extends"]))
        base = named[spec["extends"]]
    dimensions = dict(base.dimensions) if base else {}
    given = spec.get("dimensions") or {}
    check.that(isinstance(given, dict), "dimensions", "a mapping of hyperparameter → distribution", repr(given))
    for name, value in given.items():
        check.that(name in HYPERPARAMETERS, f"dimensions.{name}", f"a hyperparameter ({', '.join(HYPERPARAMETERS)})",
                   "not one")
        if value is None:
            dimensions.pop(name, None)
        else:
            dimensions[name] = _dimension(check, name, value, declared=[d for d in dimensions if d != name])
    check.that(bool(dimensions), "dimensions", "at least one dimension", "none")
    settings = {}
    for key, kind in SETTINGS.items():
        if spec.get(key) is not None:
            value = spec[key]
            ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool)) or (
                kind is float and isinstance(value, int) and not isinstance(value, bool))
            check.that(ok, key, f"a {kind.__name__}", repr(value))
            settings[key] = value
    fields = dataclasses.asdict(base) if base else {}
    fields = {k: v for k, v in fields.items() if k not in ("dimensions", "baselines", "name", "description", "source")}
    fields.update(settings)
    _check_settings(check, fields)
    try:
        space = SearchSpace(name=str(spec.get("name") or default_name),
                            description=str(spec.get("description") or (f"{base.name}, changed by {source}" if base
                                                                       else f"from {source}")),
                            dimensions=dimensions, baselines=(), source=source, **fields)
    except ValueError as exc:  # the space's own rules: a conditional on a later dimension, a conditional grid
        raise SpaceFileError(f"{source}: {exc}") from None
    baselines = spec.get("baselines", list(base.baselines) if base else [])
    check.that(isinstance(baselines, list), "baselines", "a list of configurations", repr(baselines))
    for i, baseline in enumerate(baselines):
        _check_baseline(check, f"baselines[{i}]", baseline, space)
    return dataclasses.replace(space, baselines=tuple(dict(b) for b in baselines))


def space_to_spec(space: SearchSpace) -> dict[str, Any]:
    """A space as the file that declares it (what `--print-space` writes)."""
    spec: dict[str, Any] = {"name": space.name, "description": space.description, "dimensions": {}}
    for name, dimension in space.dimensions.items():
        if isinstance(dimension, Conditional):
            spec["dimensions"][name] = {"by": dimension.on, "branches": {
                value: _distribution_spec(dist) for value, dist in dimension.branches.items()}}
        else:
            spec["dimensions"][name] = _distribution_spec(dimension)
    if space.baselines:
        spec["baselines"] = [dict(b) for b in space.baselines]
    for key in SETTINGS:
        value = getattr(space, key)
        if value is not None:
            spec[key] = value
    return spec


def dump_spec(spec: dict[str, Any]) -> str:
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, default_flow_style=None, width=110)


class _Checker:
    """One-line messages in Optuna's manner, naming the file and the key."""

    def __init__(self, source: str):
        self.source = source

    def that(self, condition: bool, key: str, allowed: str, found: str) -> None:
        if not condition:
            where = f"`{key}` in {self.source}" if key else self.source
            raise SpaceFileError(f"The value of {where} is {found}, but must be {allowed}")


def _dimension(check: _Checker, name: str, value: Any, declared: list[str]) -> BaseDistribution | Conditional:
    if isinstance(value, dict) and "by" in value:
        check.that(set(value) == {"by", "branches"}, f"dimensions.{name}", "`by` and `branches` only",
                   ", ".join(map(str, value)))
        parent = value["by"]
        check.that(parent in declared, f"dimensions.{name}.by", "a dimension declared before it",
                   repr(parent))
        branches = value["branches"]
        check.that(isinstance(branches, dict) and bool(branches), f"dimensions.{name}.branches",
                   f"a mapping of {parent} values → distributions", repr(branches))
        return Conditional(parent, {branch: _distribution(check, name, f"dimensions.{name}.branches.{branch}", dist)
                                    for branch, dist in branches.items()})
    return _distribution(check, name, f"dimensions.{name}", value)


def _distribution(check: _Checker, name: str, key: str, value: Any) -> BaseDistribution:
    check.that(isinstance(value, dict) and len(value) == 1 and next(iter(value)) in KINDS, key,
               f"one of {', '.join(f'{{{k}: …}}' for k in KINDS)}", repr(value))
    kind, args = next(iter(value.items()))
    if kind == "choice":
        check.that(isinstance(args, list) and bool(args), f"{key}.choice", "a non-empty list", repr(args))
        for choice in args:
            _accepted(check, name, f"{key}.choice", choice)
        return CategoricalDistribution(tuple(args))
    check.that(isinstance(args, list) and len(args) == 2 and all(isinstance(a, (int, float)) and
                                                                 not isinstance(a, bool) for a in args),
               f"{key}.{kind}", "[low, high], two numbers", repr(args))
    low, high = args
    check.that(low < high, f"{key}.high", f"> low ({low})", repr(high))
    if kind.startswith("log"):
        check.that(low > 0, f"{key}.low", "> 0 for a log scale", repr(low))
    for label, bound in (("low", low), ("high", high)):
        _accepted(check, name, f"{key}.{label}", bound)
    if kind in ("int", "log_int"):
        check.that(all(float(a).is_integer() for a in args), f"{key}.{kind}", "whole numbers", repr(args))
        return IntDistribution(int(low), int(high), log=kind == "log_int")
    return FloatDistribution(float(low), float(high), log=kind == "log_uniform")


def _accepted(check: _Checker, name: str, key: str, value: Any) -> None:
    """What the trainable accepts for `name` (its own validation, one line)."""
    try:
        Hyperparameters.from_config({name: value})
    except (ValueError, TypeError) as exc:
        rule = str(exc).split(", but must be ", 1)[-1] if ", but must be " in str(exc) else "accepted by the trainable"
        check.that(False, key, rule, repr(value))


def _distribution_spec(dist: BaseDistribution) -> dict[str, Any]:
    if isinstance(dist, CategoricalDistribution):
        return {"choice": list(dist.choices)}
    if isinstance(dist, IntDistribution):
        return {"log_int" if dist.log else "int": [dist.low, dist.high]}
    return {"log_uniform" if dist.log else "uniform": [dist.low, dist.high]}


def _check_settings(check: _Checker, fields: dict[str, Any]) -> None:
    for key in ("samples", "max_epochs"):
        if key in fields:
            check.that(fields[key] >= 1, key, ">= 1", repr(fields[key]))
    if "grace_epochs" in fields:
        check.that(1 <= fields["grace_epochs"] <= fields.get("max_epochs", fields["grace_epochs"]), "grace_epochs",
                   f"in 1..max_epochs ({fields.get('max_epochs')})", repr(fields["grace_epochs"]))
    if fields.get("train_subset") is not None:
        check.that(fields["train_subset"] >= 7, "train_subset", ">= 7 (one image per class)",
                   repr(fields["train_subset"]))
    if fields.get("time_budget_s") is not None:
        check.that(fields["time_budget_s"] > 0, "time_budget_s", "> 0", repr(fields["time_budget_s"]))


def _check_baseline(check: _Checker, key: str, baseline: Any, space: SearchSpace) -> None:
    check.that(isinstance(baseline, dict), key, "a configuration (hyperparameter: value)", repr(baseline))
    for name, value in baseline.items():
        check.that(name in HYPERPARAMETERS, f"{key}.{name}", "a hyperparameter", "not one")
        dimension = space.dimensions.get(name)
        if isinstance(dimension, Conditional):
            dimension = dimension.branches.get(baseline.get(dimension.on))
        if dimension is None:
            _accepted(check, name, f"{key}.{name}", value)
        else:
            check.that(_within(dimension, value), f"{key}.{name}", f"within the space's {name}", repr(value))


def _within(dimension: BaseDistribution, value: Any) -> bool:
    if isinstance(dimension, CategoricalDistribution):
        return value in dimension.choices
    return isinstance(value, (int, float)) and not isinstance(value, bool) and dimension.low <= value <= dimension.high
