"""The README stays short, its commands are right, and its example does what it says."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, flags=re.S | re.M)

_spec = importlib.util.spec_from_file_location("docs_checks", ROOT / "docs" / "conftest.py")
assert _spec is not None and _spec.loader is not None
docs_checks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs_checks)


def _code_lines(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.strip()]


def test_readme_is_short() -> None:
    """Three set-up commands, an example of about ten lines, links to the documentation."""
    bash = [src for lang, src in BLOCKS if lang == "bash"]
    python = [src for lang, src in BLOCKS if lang == "python"]
    assert len(bash) == 1 and len(_code_lines(bash[0])) == 3, bash
    assert len(python) == 1 and len(_code_lines(python[0])) <= 10, python
    assert len(README.splitlines()) <= 50
    for page in ("docs/tutorial.md", "docs/guide.md", "docs/index.md"):
        assert f"]({page})" in README and (ROOT / page).is_file(), page


class _Block:
    def __init__(self, source: str) -> None:
        self.parsed = source


@pytest.mark.parametrize("source", [src for lang, src in BLOCKS if lang == "bash"])
def test_readme_commands(source: str) -> None:
    """Each ``deltaprop`` line parses with the command's own parser, each extra exists."""
    docs_checks.check_shell(_Block(source))


@pytest.mark.slow
def test_readme_example(mnist_dir: Path, tmp_path: Path) -> None:
    """The example, as written: 30 epochs of the classic network (about a minute)."""
    (source,) = [src for lang, src in BLOCKS if lang == "python"]
    env = {**os.environ, "DELTAPROP_DATA": str(mnist_dir)}
    out = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    ).stdout
    accuracy = float(re.search(r"best test accuracy ([\d.]+)%", out).group(1))  # type: ignore[union-attr]
    assert accuracy >= 94.0, out
    assert "diagnosis of Network([784, 30, 10]" in out
    assert (tmp_path / "classic.npz").is_file()


PYPI = (ROOT / "README.pypi.md").read_text(encoding="utf-8")


def test_the_package_index_page_is_written_for_pip_users() -> None:
    """The long description: pip install with extras, no editable installs, no links into
    a checkout (the page is shown on the package index, far from the repository)."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^readme = "README.pypi.md"$', pyproject, flags=re.M)
    assert "pip install deltaprop" in PYPI and "pip install -e" not in PYPI
    links = re.findall(r"\]\(([^)]*)\)|<(\w+://[^>]*)>", PYPI)
    for target in (a or b for a, b in links):
        assert re.match(r"https?://", target), f"a link relative to the checkout: {target}"
    for lang, source in re.findall(r"^```(\w+)\n(.*?)^```", PYPI, flags=re.S | re.M):
        if lang == "bash":
            docs_checks.check_shell(_Block(source))
