"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


def docstring_namespace() -> dict[str, Any]:
    """The names every docstring example may use without defining them: ``np`` (NumPy),
    ``deltaprop``, and the examples' set-up, made afresh for each docstring:

    - ``net``: a fresh ``deltaprop.Network([4, 3, 2], dtype="float64", seed=0)``;
    - ``X``: 60 samples, ``np.random.default_rng(0).random((60, 4))``, shape (60, 4);
    - ``y``: their class labels, 1 where the first input is above 0.5, shape (60,);
    - ``history``: a two-epoch History with a Monitor's columns: ``train_cost`` 0.40 then
      0.30, ``val_cost`` 0.42 then 0.33, ``val_accuracy`` 0.80 then 0.86, ‖∂C/∂b^l‖
      (``grad_b_norm_l2`` 0.02 then 0.03, ``grad_b_norm_l3`` 0.20 then 0.15) and the
      saturated fractions (``saturated_l2`` 0.30 then 0.25, ``saturated_l3`` 0.05 then 0.04).

    A docstring that uses them says so in words ("``net``, ``X``, ``y``: the examples' network
    [4, 3, 2] and its 60 samples with labels."); ``tests/docs/test_docstrings.py`` runs every
    example with them.
    """
    import numpy as np

    import deltaprop

    X = np.random.default_rng(0).random((60, 4))  # 60 samples, shape (n, 4)
    return {
        "np": np,
        "deltaprop": deltaprop,
        "net": deltaprop.Network([4, 3, 2], dtype="float64", seed=0),
        "X": X,
        "y": (X[:, 0] > 0.5).astype(int),  # class labels, shape (n,)
        "history": deltaprop.History(
            [
                {
                    "epoch": 1,
                    "train_cost": 0.40,
                    "val_cost": 0.42,
                    "val_accuracy": 0.80,
                    "grad_b_norm_l2": 0.02,
                    "grad_b_norm_l3": 0.20,
                    "saturated_l2": 0.30,
                    "saturated_l3": 0.05,
                },
                {
                    "epoch": 2,
                    "train_cost": 0.30,
                    "val_cost": 0.33,
                    "val_accuracy": 0.86,
                    "grad_b_norm_l2": 0.03,
                    "grad_b_norm_l3": 0.15,
                    "saturated_l2": 0.25,
                    "saturated_l3": 0.04,
                },
            ]
        ),
    }


@pytest.fixture
def docstring_globals() -> dict[str, Any]:
    """A fresh :func:`docstring_namespace` for one docstring's examples."""
    return docstring_namespace()
