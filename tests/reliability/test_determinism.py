"""Determinism: the same seed, data, dtype and BLAS thread count give the same weights, bit
for bit, in separate processes; the dtype changes them (see the README's notes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import deltaprop

WORKER = str(Path(__file__).with_name("_workers.py"))


def train(out: Path, threads: int, dtype: str = "float32", width: int = 256) -> list[np.ndarray]:
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": str(threads),
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
    }
    subprocess.run(
        [sys.executable, WORKER, "train", "-", str(out), "3", "1", dtype, str(width)],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    net = deltaprop.load(out)
    return [*net.weights, *net.biases]


def same_bits(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return [p.tobytes() for p in a] == [p.tobytes() for p in b]


@pytest.mark.parametrize("threads", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_same_thread_count_is_bitwise_identical_across_processes(tmp_path, threads) -> None:
    first = train(tmp_path / "a.npz", threads)
    second = train(tmp_path / "b.npz", threads)
    assert same_bits(first, second)


@pytest.mark.slow
def test_dtype_changes_the_bits_but_not_the_result(tmp_path: Path) -> None:
    single = train(tmp_path / "f32.npz", 1, "float32")
    double = train(tmp_path / "f64.npz", 1, "float64")
    assert not same_bits(single, [p.astype(np.float32) for p in double])
    for p, q in zip(single, double):  # rounding differences, not another result
        np.testing.assert_allclose(p, q, rtol=1e-2, atol=1e-3)


@pytest.mark.slow
def test_thread_count_effect_is_reported(tmp_path: Path) -> None:
    """Whether this machine's BLAS gives other bits with 1 and 2 threads (printed, not
    asserted: it depends on the BLAS library, its version and the matrix sizes)."""
    one = train(tmp_path / "one.npz", 1, width=512)
    two = train(tmp_path / "two.npz", 2, width=512)
    print(f"\n1 vs 2 BLAS threads: {'identical' if same_bits(one, two) else 'different'} bits")
    for p, q in zip(one, two):
        np.testing.assert_allclose(p, q, rtol=1e-3, atol=1e-4)
