"""Optimisers, regularisation, dropout, schedules and early stopping give the same training
run on every array library available here as on NumPy."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.backends import to_numpy


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _strict() -> Any:
    import array_api_strict

    return array_api_strict


@pytest.mark.parametrize(
    ("backend", "device"),
    [
        pytest.param(
            _strict,
            None,
            id="array-api-strict",
            marks=pytest.mark.skipif(not _has("array_api_strict"), reason="needs array-api-strict"),
        ),
        pytest.param(
            "torch",
            "cpu",
            id="torch-cpu",
            marks=pytest.mark.skipif(
                not (_has("torch") and _has("array_api_compat")),
                reason="pip install torch array-api-compat",
            ),
        ),
    ],
)
@pytest.mark.parametrize("optimizer", ["nesterov", "adam"])
def test_practice_run_matches_numpy(backend: Any, device: Any, optimizer: str) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 5)), rng.integers(0, 3, 60)
    fit: dict[str, Any] = dict(
        epochs=6,
        batch_size=7,
        eta=0.05,
        optimizer=optimizer,
        l2=1.0,
        l1=0.5,
        dropout=0.3,
        schedule="cosine",
        validation_split=15,
        patience=2,
        seed=3,
    )
    runs = []
    for b, d in [("numpy", None), (backend() if callable(backend) else backend, device)]:
        net = Network(
            [5, 7, 6, 3],
            "tanh",
            "softmax",
            "cross-entropy",
            dtype="float64",
            seed=1,
            backend=b,
            device=d,
        )
        runs.append((net, net.fit(X, y, **fit)))
    (a, ha), (b, hb) = runs
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_allclose(to_numpy(q), to_numpy(p), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hb["train_cost"], ha["train_cost"], rtol=1e-10)
    assert hb["val_correct"] == ha["val_correct"] and hb["eta"] == ha["eta"]
