"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The directory holding the real MNIST: ``$DELTAPROP_DATA``, else the repository's
    ``data/mnist``, else ``<repository root>/../shared/data/mnist``; the test is skipped if
    none has it."""
    candidates = []
    if os.environ.get("DELTAPROP_DATA"):
        candidates.append(Path(os.environ["DELTAPROP_DATA"]))
    candidates.append(Path(__file__).resolve().parents[1] / "data" / "mnist")  # shipped
    candidates.append(Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist")
    for directory in candidates:
        if all((directory / name).is_file() for name in _MNIST_FILES):
            return directory
    pytest.skip(
        "real MNIST not found: set DELTAPROP_DATA to a directory holding "
        f"{', '.join(_MNIST_FILES)} (looked in {', '.join(map(str, candidates))})"
    )
