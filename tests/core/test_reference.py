"""The fast forward and backward pass (``core/backprop.py``: workspaces, the 1/m applied once,
fused costs) against the textbook equations written plainly (``core/reference.py``), in
float64: every activation and cost pair, mini-batches of one row and many, dropout masks,
and the training loop's reused workspace. The reference itself is checked against the
per-sample definition and finite differences in ``test_backprop.py``, through the fast path it
matches here."""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.core import backward, forward, reference
from deltaprop.core.reference import reference_backprop
from deltaprop.core.workspace import Workspace
from deltaprop.training.regularization import dropout_masks

# Every activation/cost pair deltaprop accepts, as (hidden, output, cost).
PAIRS = [
    (hidden, output, cost)
    for hidden, output, cost in itertools.product(
        ["sigmoid", "tanh", "relu", "identity"],
        ["sigmoid", "tanh", "relu", "identity", "softmax"],
        ["quadratic", "cross-entropy"],
    )
    if cost == "quadratic" or output in ("sigmoid", "softmax")
]


def _data(net: Network, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """m rows of inputs, and targets the output can reach (rows summing to 1 for softmax)."""
    x = rng.standard_normal((m, net.sizes[0]))
    if net.sigmas[-1].name == "softmax":
        return x, rng.dirichlet(np.ones(net.sizes[-1]), size=m)
    return x, rng.uniform(0.05, 0.95, (m, net.sizes[-1]))


def _fast(net: Network, x: np.ndarray, y: np.ndarray, masks=None, ws=None):
    zs, activations = forward(net.weights, net.biases, net.sigmas, x, np, ws, masks=masks)
    grad_w, grad_b, _, _ = backward(
        net.weights, net.sigmas, net.cost_function, zs, activations, y, np, ws, masks=masks
    )
    return [g.copy() for g in grad_w], [g.copy() for g in grad_b]


def _reference(net: Network, x: np.ndarray, y: np.ndarray, masks=None):
    return reference_backprop(
        net.weights, net.biases, net.sigmas, net.cost_function, x, y, np, masks=masks
    )


def _assert_same(fast, ref) -> None:
    for f, r in zip([*fast[0], *fast[1]], [*ref[0], *ref[1]]):
        assert f.shape == r.shape
        np.testing.assert_allclose(f, r, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("hidden", "output", "cost"), PAIRS)
@pytest.mark.parametrize("m", [1, 7])
def test_the_fast_path_computes_the_textbook_equations(hidden, output, cost, m) -> None:
    net = Network([4, 5, 3, 3], hidden, output, cost, dtype="float64", seed=3)
    x, y = _data(net, m, np.random.default_rng(m))
    _assert_same(_fast(net, x, y), _reference(net, x, y))


@pytest.mark.parametrize("p", [0.2, 0.5])
@pytest.mark.parametrize(("hidden", "output", "cost"), PAIRS[::3])
def test_with_dropout_masks(hidden, output, cost, p) -> None:
    net = Network([4, 6, 5, 3], hidden, output, cost, dtype="float64", seed=1)
    x, y = _data(net, 9, np.random.default_rng(2))
    masks = dropout_masks(9, net.sizes, p, np.random.default_rng(3), "float64")
    assert any((r == 0).any() for r in masks)  # some neurons are dropped
    _assert_same(_fast(net, x, y, masks), _reference(net, x, y, masks))


def test_the_training_loops_reused_workspace_gives_the_same_numbers() -> None:
    net = Network([6, 8, 4], "tanh", "softmax", "cross-entropy", dtype="float64", seed=0)
    ws = Workspace(net.sizes, 10, np, np.float64)
    rng = np.random.default_rng(0)
    for _ in range(3):  # the same workspace, written over by every mini-batch
        x, y = _data(net, 10, rng)
        _assert_same(_fast(net, x, y, ws=ws), _reference(net, x, y))


def test_the_reference_examples_run() -> None:
    globs = {"np": np}
    failures, tried = doctest.testmod(reference, extraglobs=globs, optionflags=doctest.ELLIPSIS)
    assert tried and not failures
