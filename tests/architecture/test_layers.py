"""The package's layers import only downward, and no two modules import each other.

Every ``import`` in ``src/deltaprop`` counts: at module level, inside functions and under
``if TYPE_CHECKING:``. A function-level import hides a cycle from Python, not from a reader.

    errors, _validation, _version, _html,     the bottom: no deltaprop imports but each other
    backends
    core                                      the mathematics: eq. 25, BP1–BP4, σ's, costs
    io                                        files and data sets
    training                                  the loop, optimisers, schedules, checkpoints
    network                                   Network, the object users hold
    insight, scale                            diagnostics and figures; many processes
    cli, sklearn, explore                     the interfaces

The package's own ``__init__`` is the public facade and sits above them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "deltaprop"

LAYERS: list[tuple[str, ...]] = [
    ("errors", "_validation", "_version", "_html", "backends"),
    ("core",),
    ("io", "datasets"),
    ("training",),
    ("network",),
    ("insight", "scale"),
    ("cli", "sklearn", "explore", "__main__"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every deltaprop module that ``name`` imports, wherever the import statement is."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # ``from pkg import mod`` imports the module pkg.mod when there is one, and
            # otherwise a name from pkg itself
            targets = [
                f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in known else stem
                for alias in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE) and target != name:
                found.add(target)
    return found


def layer(name: str) -> int:
    """The layer number of a module; the package itself is above every layer."""
    if name == PACKAGE:
        return len(LAYERS)
    part = name.split(".")[1]
    for number, parts in enumerate(LAYERS):
        if part in parts:
            return number
    raise AssertionError(f"{name} is in no layer: add {part!r} to LAYERS in {__file__}")


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def test_every_module_has_a_layer() -> None:
    for name in modules():
        layer(name)


def test_imports_only_go_down_the_layers() -> None:
    wrong = []
    for name, targets in graph().items():
        mine = layer(name)
        for target in sorted(targets):
            theirs = layer(target)
            if theirs > mine:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "imports that go up the layers:\n" + "\n".join(wrong)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of ``edges`` closes, each as the path round it."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" → ".join(c) for c in found)


def package(name: str) -> str:
    """The top-level part of deltaprop a module belongs to: ``deltaprop.cli`` for
    ``deltaprop.cli.main``, ``deltaprop.network`` for the module itself."""
    return ".".join(name.split(".")[:2])


def test_no_import_cycles_between_packages() -> None:
    """Modules can avoid a cycle while their packages still import each other (cli/main
    imports explore/command, explore/command imports cli/common): of two packages, one is
    the lower, whichever module the import starts from."""
    edges: dict[str, set[str]] = {}
    for name, targets in graph().items():
        if name != PACKAGE:
            mine = package(name)
            theirs = {package(t) for t in targets if t != PACKAGE}
            edges.setdefault(mine, set()).update(theirs - {mine})
    found = cycles(edges)
    assert not found, "packages in a cycle:\n" + "\n".join(" → ".join(c) for c in found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..network import Network", {"deltaprop.network"}),
        ("if TYPE_CHECKING:\n    from ..training.loop import Trainer", {"deltaprop.training.loop"}),
        ("def f():\n    from .. import errors", {"deltaprop.errors"}),
        ("from .. import __version__", {"deltaprop"}),
    ],
)
def test_the_walk_sees_every_kind_of_import(
    tmp_path: Path, source: str, expected: set[str]
) -> None:
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    known = {
        "deltaprop",
        "deltaprop.network",
        "deltaprop.training.loop",
        "deltaprop.errors",
        "deltaprop.core.ops",
    }
    assert imports("deltaprop.core.ops", path, known) == expected
