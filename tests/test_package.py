"""The package itself: subpackages reached as attributes, loaded on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import deltaprop

SRC = str(Path(deltaprop.__file__).resolve().parents[1])


def test_subpackages_load_on_first_use() -> None:
    code = (
        "import sys, deltaprop as dp\n"
        "lazy = ['deltaprop.datasets', 'deltaprop.sklearn', 'deltaprop.cli', 'matplotlib']\n"
        "print([m for m in lazy if m in sys.modules])\n"
        "print(dp.datasets.load_mnist.__module__, dp.datasets.load_digits()[0].shape)\n"
        "print('deltaprop.datasets' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": SRC},
    ).stdout.splitlines()
    assert out == ["[]", "deltaprop.io.mnist (1500, 64)", "True"]


def test_unknown_attributes_still_raise() -> None:
    with pytest.raises(AttributeError, match="module 'deltaprop' has no attribute 'dataset'"):
        deltaprop.dataset  # noqa: B018
    assert {"datasets", "insight", "sklearn"} <= set(dir(deltaprop))
