"""``docs/architecture.md`` cannot go stale: every file it names exists, and every function or
class it names as ``file.py:name`` (``training/loop.py:Trainer.run``) is defined there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "deltaprop"
MAP = ROOT / "docs" / "architecture.md"


def defined(path: Path) -> set[str]:
    """The qualified names of the functions and classes of a module: ``Trainer.run``."""
    names: set[str] = set()

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(prefix + child.name)
                visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return names


def named() -> tuple[set[str], set[tuple[str, str]]]:
    """The files (and folders) the map names, and its (file, name) pairs."""
    text = MAP.read_text(encoding="utf-8")
    pairs = set(re.findall(r"`([\w/]+\.py):([\w.]+)`", text))
    files = set(re.findall(r"`([\w/]+(?:\.py|/))`", text)) | {f for f, _ in pairs}
    return files, pairs


def test_the_map_names_a_good_part_of_the_code() -> None:
    files, pairs = named()
    assert len(files) >= 20 and len(pairs) >= 30, (len(files), len(pairs))


def _path(name: str) -> Path:
    """A path the map names: from the repository's root when it says so, else in the package."""
    return ROOT / name if name.split("/")[0] in ("src", "tests", "docs") else SRC / name


def test_every_file_it_names_exists() -> None:
    files, _ = named()
    missing = [f for f in sorted(files) if not _path(f).exists()]
    assert not missing, f"docs/architecture.md names files that are not in src/deltaprop: {missing}"


def test_every_function_it_names_is_defined_where_it_says() -> None:
    _, pairs = named()
    missing = [
        f"{path}:{name}"
        for path, name in sorted(pairs)
        if not (SRC / path).is_file() or name not in defined(SRC / path)
    ]
    assert not missing, f"docs/architecture.md names what is not there: {missing}"
