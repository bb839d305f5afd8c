"""A search space from a YAML or JSON file: the same vocabulary as the named spaces, validated
at the door with one line naming the file and the key, and a round trip that changes nothing."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
import yaml

from spaces import SPACES
from spaces.files import SpaceFileError, dump_spec, space_from_file, space_from_spec, space_to_spec
from spaces.space import Conditional

REPO_ROOT = Path(__file__).resolve().parents[2]


def _trials(space, seed: int = 0, n: int = 25) -> list[dict]:
    """The configurations seeded TPE proposes for `space` (define-by-run, as the search asks)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=5,
                                                                   multivariate=True, group=True))
    configs = []
    for i in range(n):
        trial = study.ask()
        space.suggest(trial)
        configs.append(space.config_of(trial.params))
        study.tell(trial, (i * 7919) % 101 / 100)  # a deterministic, uninformative objective
    return configs


@pytest.mark.parametrize("name", list(SPACES))
def test_a_named_space_written_as_a_file_and_read_back_gives_the_same_trials(name, tmp_path):
    path = tmp_path / f"{name}.yaml"
    path.write_text(dump_spec(space_to_spec(SPACES[name])))
    back = space_from_file(path, SPACES)
    assert dataclasses.replace(back, source=None) == SPACES[name]
    if not SPACES[name].grid:
        assert _trials(back) == _trials(SPACES[name])


def test_a_file_can_extend_a_named_space_change_add_and_drop_dimensions(tmp_path):
    path = tmp_path / "arch2.json"
    path.write_text(json.dumps({
        "extends": "full", "dimensions": {"arch": {"choice": ["arch2"]}, "augment": None,
                                          "lr": {"by": "optimizer", "branches": {"sgd": {"log_uniform": [1e-4, 0.1]}}}},
        "samples": 30, "baselines": [{"arch": "arch2", "optimizer": "sgd", "lr": 0.01}]}))
    space = space_from_file(path, SPACES)
    assert space.name == "arch2" and space.source == "arch2.json" and space.samples == 30
    assert space.dimensions["arch"].choices == ("arch2",) and "augment" not in space.dimensions
    assert isinstance(space.dimensions["lr"], Conditional) and set(space.dimensions["lr"].branches) == {"sgd"}
    assert space.max_epochs == SPACES["full"].max_epochs  # kept from full


BAD_FILES = {
    "unknown hyperparameter": (
        {"dimensions": {"momentum": {"choice": [0.9]}}},
        "The value of `dimensions.momentum` in bad.yaml is not one, but must be a hyperparameter"),
    "activation that does not exist": ({"dimensions": {"activation": {"choice": ["relu", "swish"]}}},
                                       "The value of `dimensions.activation.choice` in bad.yaml is 'swish'"),
    "negative lr": ({"dimensions": {"lr": {"log_uniform": [-1, 0.1]}}},
                    "The value of `dimensions.lr.low` in bad.yaml is -1, but must be > 0"),
    "conditional on a later dimension": (
        {"dimensions": {"lr": {"by": "optimizer", "branches": {"sgd": {"uniform": [0.01, 0.1]}}},
                        "optimizer": {"choice": ["sgd"]}}},
        "The value of `dimensions.lr.by` in bad.yaml is 'optimizer', but must be a dimension declared before it"),
    "empty choice": ({"dimensions": {"arch": {"choice": []}}},
                     "The value of `dimensions.arch.choice` in bad.yaml is [], but must be a non-empty list"),
    "unknown key": ({"dimensions": {"arch": {"choice": ["arch1"]}}, "epochs": 3},
                    "The value of `epochs` in bad.yaml is an unknown key"),
    "unknown named space": ({"extends": "huge"}, "The value of `extends` in bad.yaml is 'huge'"),
    "baseline outside the space": ({"dimensions": {"arch": {"choice": ["arch1"]}}, "baselines": [{"arch": "arch3"}]},
                                   "The value of `baselines[0].arch` in bad.yaml is 'arch3', but must be within"),
    "dropout of one": ({"dimensions": {"dropout": {"uniform": [0.0, 1.0]}}},
                       "The value of `dimensions.dropout.high` in bad.yaml is 1.0, but must be `0 <= dropout < 1`"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_space_file_is_refused_with_one_line_naming_the_file_and_the_key(case):
    spec, message = BAD_FILES[case]
    with pytest.raises(SpaceFileError) as error:
        space_from_spec(spec, SPACES, source="bad.yaml")
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


@pytest.mark.parametrize("content", ["dimensions: [unclosed", "- just\n- a list\n", "",
                                     *(yaml.safe_dump(spec) for spec, _ in BAD_FILES.values())])
def test_a_bad_space_file_on_the_command_line_exits_2_with_one_line_and_writes_nothing(content, tmp_path):
    (tmp_path / "bad.yaml").write_text(content)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    completed = subprocess.run([sys.executable, "-m", "search.run", "--space", "bad.yaml", "--output", "results"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=120,
                               env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 2
    (line,) = completed.stderr.splitlines()
    assert line.startswith("search.run: error: ") and "bad.yaml" in line
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_print_space_writes_a_file_that_reads_back_as_the_space(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "search.run", "--space", "full", "--print-space"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(REPO_ROOT),
                                                                                  "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr
    spec = yaml.safe_load(completed.stdout)
    assert dataclasses.replace(space_from_spec(spec, SPACES, source="full.yaml"), source=None) == SPACES["full"]


def test_the_readme_example_is_a_valid_space_file(tmp_path):
    readme = (REPO_ROOT / "README.md").read_text()
    example = readme.split("### Your own space, from a file", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    (tmp_path / "arch2-lr.yaml").write_text(example)
    space = space_from_file(tmp_path / "arch2-lr.yaml", SPACES)
    assert space.name == "arch2-lr" and space.dimensions["arch"].choices == ("arch2",)
    assert "augment" not in space.dimensions and len(space.baselines) == 1
