"""Runs every code block of the Markdown pages in this directory under pytest.

Each page is collected by Sybil, one test per code block, the blocks of a page run in order in
one namespace (so a page reads as one session) inside a fresh temporary directory:

- ``python`` blocks are doctests: each ``>>>`` line is run and what it prints is compared with
  the lines written under it (whitespace normalised, ``...`` matching anything);
- ``bash`` and ``console`` blocks are checked, not run: every ``deltaprop`` command line must be
  accepted by the command's own argument parser (the one ``--help`` describes), every
  ``pip install`` must name extras that deltaprop declares, and every script a ``python``
  line runs must exist in the repository;
- ``<!-- skip: start if(condition, reason="...") -->`` … ``<!-- skip: end -->`` around blocks
  skips them when the condition holds (a missing GPU, say), and says why in the test report;
- any other fenced block (``text``: output shown for reading) is not code and is left alone.

The tutorial reads the real MNIST: it is looked for in ``$DELTAPROP_DATA``, in the
repository's ``data/mnist`` and in ``../shared/data/mnist`` beside the repository; without it
the tutorial's blocks are skipped and the report says where to put the files.

The tutorial's pictures are drawn by its own blocks into the page's ``images/`` folder; run
``DELTAPROP_DOCS_IMAGES=1 pytest docs/tutorial.md`` to copy them into ``docs/images``, where
the page shows them from (``tests/docs/test_tutorial_images.py`` checks the two agree).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import os
import re
import shlex
import shutil
import tempfile
from doctest import ELLIPSIS, NORMALIZE_WHITESPACE
from pathlib import Path
from typing import Any

import numpy as np
import pytest

try:  # the test extra's; without it the pages are reported as skipped
    from sybil import Example, Sybil
    from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser
except ImportError:
    Sybil = None

ROOT = Path(__file__).resolve().parents[1]
MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
LAUNCHERS = {"mpiexec", "mpirun", "srun"}  # run the command after their own options


def _logical_lines(source: str) -> list[list[str]]:
    """The block's commands as argument lists: continuation lines joined, comments dropped,
    ``...`` (standing for "more options") removed."""
    text = re.sub(r"\\\n", " ", source)
    commands = []
    for line in text.splitlines():
        words = [w for w in shlex.split(line, comments=True) if w != "..."]
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            words = words[1:]  # VARIABLE=value before the command
        if words:
            commands.append(words)
    return commands


def _strip_launcher(words: list[str]) -> list[str]:
    """``mpiexec -n 4 deltaprop train`` → ``deltaprop train``."""
    if words and words[0] in LAUNCHERS:
        for i, w in enumerate(words):
            if w in ("deltaprop", "python", "python3"):
                return words[i:]
    return words


def check_deltaprop(args: list[str], line: str) -> None:
    """Parse ``deltaprop ARGS`` with the CLI's own parser; usage errors fail the example."""
    from deltaprop.cli.main import build_parser

    parser = build_parser()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            parser.parse_args(args)
        except SystemExit as exc:  # --help and --version exit 0; usage errors exit 2
            if exc.code not in (0, None):
                message = f"{line!r} is refused by deltaprop:\n{err.getvalue()}"
                raise AssertionError(message) from None


def check_pip(args: list[str], line: str) -> None:
    """``pip install "deltaprop[a,b]"`` and ``pip install -e ".[a]"`` must name real extras."""
    extras = set(importlib.metadata.metadata("deltaprop").get_all("Provides-Extra") or [])
    for arg in args:
        m = re.fullmatch(r"(?:deltaprop|\.)\[([^\]]*)\]", arg)
        if m:
            unknown = {e.strip() for e in m.group(1).split(",")} - extras
            if unknown:
                raise AssertionError(
                    f"{line!r} names extras deltaprop does not declare: {sorted(unknown)}; "
                    f"it declares {sorted(extras)}"
                )


def check_shell(example: Example) -> None:
    """Check a ``bash`` or ``console`` block line by line (see the module docstring)."""
    for words in _logical_lines(example.parsed):
        line = " ".join(words)
        words = _strip_launcher(words[1:] if words[0] == "$" else words)
        if not words:
            continue
        if words[0] == "deltaprop":
            check_deltaprop(words[1:], line)
        elif words[:2] == ["pip", "install"]:
            check_pip(words[2:], line)
        elif (
            words[0] in ("python", "python3")
            and len(words) > 1
            and words[1].endswith(".py")
            and not (ROOT / words[1]).is_file()
        ):
            raise AssertionError(f"{line!r}: no script {words[1]} in the repository")


class _Page:
    """Per page: a fresh working directory, and NumPy's print options restored afterwards."""

    def __init__(self) -> None:
        self.cwd = os.getcwd()
        self.printoptions = np.get_printoptions()
        self.tmp = ""

    def setup(self, namespace: dict[str, Any]) -> None:
        self.cwd, self.printoptions = os.getcwd(), np.get_printoptions()
        self.tmp = tempfile.mkdtemp(prefix="deltaprop-docs-")
        os.chdir(self.tmp)

    def teardown(self, namespace: dict[str, Any]) -> None:
        # DELTAPROP_DOCS_IMAGES=1 keeps the pictures a page drew (into its images/ folder)
        # as the ones docs/images holds: how those files are made.
        made = Path(self.tmp) / "images"
        if os.environ.get("DELTAPROP_DOCS_IMAGES") and made.is_dir():
            for png in made.glob("*.png"):
                shutil.copyfile(png, ROOT / "docs" / "images" / png.name)
        os.chdir(self.cwd)
        np.set_printoptions(**self.printoptions)
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def mnist() -> Any:
    """Points ``$DELTAPROP_DATA`` at the real MNIST for the page, or skips its blocks."""
    candidates = [Path(p) for p in [os.environ.get("DELTAPROP_DATA")] if p]
    candidates.append(ROOT / "data" / "mnist")  # the copy a source checkout ships
    candidates.append(ROOT.parent / "shared" / "data" / "mnist")
    for directory in candidates:
        if all((directory / name).is_file() for name in MNIST_FILES):
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("DELTAPROP_DATA", str(directory))
                yield directory
            return
    pytest.skip(
        f"the tutorial needs the real MNIST: set DELTAPROP_DATA to a directory holding "
        f"{', '.join(MNIST_FILES)} (looked in {', '.join(map(str, candidates))})"
    )


def _sybil(patterns: list[str], excludes: list[str], fixtures: list[str]) -> Sybil:
    page = _Page()
    return Sybil(
        parsers=[
            PythonCodeBlockParser(doctest_optionflags=NORMALIZE_WHITESPACE | ELLIPSIS),
            CodeBlockParser("bash", check_shell),
            CodeBlockParser("console", check_shell),
            SkipParser(),
        ],
        patterns=patterns,
        excludes=excludes,
        fixtures=fixtures,
        setup=page.setup,
        teardown=page.teardown,
    )


class _Unrun(pytest.Item):
    def runtest(self) -> None:
        pytest.skip("the pages' code blocks run with Sybil: pip install -e '.[test]'")


class _UnrunPage(pytest.File):
    def collect(self) -> Any:
        yield _Unrun.from_parent(self, name="code blocks")


def _skip_pages(file_path: Path, parent: Any) -> Any:
    if file_path.suffix == ".md":
        return _UnrunPage.from_parent(parent, path=file_path)
    return None


_NEEDS_MNIST = ["tutorial.md"]
if Sybil is None:
    pytest_collect_file = _skip_pages
else:
    pytest_collect_file = (
        _sybil(_NEEDS_MNIST, [], ["mnist"]) + _sybil(["*.md"], _NEEDS_MNIST, [])
    ).pytest()
