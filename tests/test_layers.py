"""The house's floors: every import points down (or along its own floor), and no modules import
each other in a circle. Read from the code itself, so a new upward import fails here."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLOORS = {"trainables": 1, "spaces": 2, "experiment": 2, "search": 3, "reports": 4, "benchmarks": 5}
"""Each package's floor: it may import its own floor's packages and those below, never above."""


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, whether at the top of the file) for every project import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(f"{node.module}.{alias.name}", id(node) in top) for alias in node.names]
    return [(name, at_top) for name, at_top in found if name.split(".")[0] in FLOORS]


def modules() -> dict[str, Path]:
    found = {}
    for package in FLOORS:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def test_every_import_points_down():
    upward = [f"{name} imports {imported}" for name, path in modules().items() for imported, _ in imports(path)
              if FLOORS[imported.split(".")[0]] > FLOORS[name.split(".")[0]]]
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    known = modules()

    def resolve(imported: str) -> str | None:  # `from a.b import c`: the module a.b.c, else a.b
        while imported and imported not in known:
            imported = imported.rpartition(".")[0]
        return imported or None

    graph = {name: {resolve(i) for i, at_top in imports(path) if at_top} - {None, name} for name, path in known.items()}
    cycles, state = [], {}

    def visit(name: str, stack: list[str]) -> None:
        state[name] = "open"
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                cycles.append(stack[stack.index(other):] + [other] if other in stack else [name, other])
            elif other not in state:
                visit(other, [*stack, other])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # a package's __init__ that re-exports its own modules is not a cycle of behaviour
    real = [c for c in cycles if not any(a == b.rpartition(".")[0] or b == a.rpartition(".")[0]
                                         for a, b in zip(c, c[1:]))]
    assert real == []
