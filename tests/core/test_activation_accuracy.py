"""Every activation and its derivative against a 50-digit reference (mpmath), over the whole
range a dtype can represent: down to z = −80 in float32 and −700 in float64, where σ(z) is
1.8e-35 and 9.9e-305. Each result must be within a few ulp of the true value of the function
at the (exact) floating-point input."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from deltaprop.core.activations import get_activation

mpmath = pytest.importorskip("mpmath", reason="the test extra (mpmath, the reference)")

mpmath.mp.dps = 50
ULPS = 4  # "a few ulp"
LIMIT = {"float32": 80.0, "float64": 700.0}  # σ(−limit) is still a normal number


def _points(dtype: str, limit: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    grid = np.linspace(-limit, limit, 2001)
    small = np.array([0.0, 1e-30, -1e-30, 1e-6, -1e-6, 0.5, -0.5, 17.5, -17.5, 20.0, -20.0])
    return np.concatenate([grid, rng.uniform(-limit, limit, 2000), small]).astype(dtype)


def _ulps(computed: np.ndarray, exact: list[mpmath.mpf], dtype: str) -> np.ndarray:
    reference = np.array([float(v) for v in exact]).astype(dtype)  # the correctly rounded value
    spacing = np.spacing(np.abs(reference).astype(dtype))
    error = np.array([abs(mpmath.mpf(float(c)) - e) for c, e in zip(computed, exact)], dtype=float)
    return error / spacing.astype(float)


def sigmoid(z: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-z))


def sigmoid_prime(z: mpmath.mpf) -> mpmath.mpf:
    return sigmoid(z) * sigmoid(-z)


def tanh_prime(z: mpmath.mpf) -> mpmath.mpf:
    return 1 / mpmath.cosh(z) ** 2


CASES: dict[str, tuple[Callable, Callable, float]] = {
    # activation: (σ, σ', how far the inputs go relative to LIMIT)
    "sigmoid": (sigmoid, sigmoid_prime, 1.0),
    # tanh'(z) = 4 e^(−2|z|) underflows at half the sigmoid's range
    "tanh": (mpmath.tanh, tanh_prime, 0.5),
    "relu": (lambda z: max(z, 0), lambda z: mpmath.mpf(z > 0), 1.0),
    "identity": (lambda z: z, lambda z: mpmath.mpf(1), 1.0),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_activation_and_derivative_within_a_few_ulp(name: str, dtype: str) -> None:
    act = get_activation(name)
    function, derivative, reach = CASES[name]
    z = _points(dtype, LIMIT[dtype] * reach).reshape(-1, 1)  # a batch of one-feature rows
    exact_z = [mpmath.mpf(float(v)) for v in z.ravel()]
    with np.errstate(all="raise"):  # no overflow or underflow warnings on the way
        a = act(z, np)
        sigma_prime = act.prime(z, a.copy(), np)
    assert a.dtype == sigma_prime.dtype == np.dtype(dtype)
    assert _ulps(a.ravel(), [function(v) for v in exact_z], dtype).max() <= ULPS
    assert _ulps(sigma_prime.ravel(), [derivative(v) for v in exact_z], dtype).max() <= ULPS


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_tail_is_not_zero(dtype: str) -> None:
    # ½(1 + tanh(z/2)) gave exactly 0 here: σ(−20) = 2.06e-9 in float32, σ(−38) in float64
    z = np.array([[-20.0, -38.0, -LIMIT[dtype]]], dtype=dtype)
    a = get_activation("sigmoid")(z, np)
    assert (a > 0).all()
    np.testing.assert_allclose(a[0, 0], 2.0611536e-9, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_out_is_written_and_may_be_z_itself(dtype: str) -> None:
    act = get_activation("sigmoid")
    z = np.linspace(-30, 30, 12, dtype=dtype).reshape(3, 4)
    expected = act(z.copy(), np)
    out = np.empty_like(z)
    assert act(z, np, out=out) is out
    np.testing.assert_array_equal(out, expected)
    prime = act.prime(z, out, np)
    assert act.prime(z.copy(), out, np, out=z) is z  # ``out`` aliasing the input
    np.testing.assert_array_equal(z, prime)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_within_its_condition_number(dtype: str) -> None:
    # e^(z_j − max z) cannot be more accurate than the rounding of z_j − max z, about
    # |z_j − max z| ulp; beyond that a few ulp are allowed
    act = get_activation("softmax")
    rng = np.random.default_rng(1)
    z = rng.uniform(-LIMIT[dtype] / 2, 0, (50, 10)).astype(dtype)
    with np.errstate(all="raise"):
        a = act(z, np)
    for row, out in zip(z, a):
        exact_row = [mpmath.mpf(float(v)) for v in row]
        total = mpmath.fsum(mpmath.exp(v) for v in exact_row)
        exact = [mpmath.exp(v) / total for v in exact_row]
        allowed = ULPS + np.abs(row - row.max()).astype(float)
        assert (_ulps(out, exact, dtype) <= allowed).all()


DENSE_ULPS = 8  # over every float32 input of a dense grid: "≤ 8 ulp over z ∈ [−80, 80]"


def _float64_reference(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ and σ' of float32 inputs in float64, by the textbook formulas (exact to ~1e-16,
    far below a float32 ulp, and free of cancellation for these inputs)."""
    z = z.astype(np.float64)
    if name == "sigmoid":
        a = 1 / (1 + np.exp(-z))
        return a, a / (1 + np.exp(z))  # σ(z) σ(−z)
    return np.tanh(z), 1 / np.cosh(z) ** 2


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_float32_within_8_ulp_on_a_dense_grid(name: str) -> None:
    # 1.2 million float32 inputs (the grid, uniform draws, and the first few units where σ'
    # and tanh' change fastest), against a float64 reference
    limit = LIMIT["float32"] * CASES[name][2]
    rng = np.random.default_rng(2)
    grid = np.linspace(-limit, limit, 400_001)
    draws = [rng.uniform(-limit, limit, 400_000), rng.uniform(-5, 5, 400_000)]
    z = np.concatenate([grid, *draws]).astype(np.float32)
    a, sigma_prime = get_activation(name).value_and_prime(z, np)
    exact_a, exact_prime = _float64_reference(name, z)
    for computed, exact in ((a, exact_a), (sigma_prime, exact_prime)):
        spacing = np.spacing(np.abs(exact.astype(np.float32))).astype(np.float64)
        assert (np.abs(computed - exact) / spacing).max() <= DENSE_ULPS


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_the_forward_pass_keeps_the_same_derivative(name: str, dtype: str) -> None:
    # value_and_prime (the forward pass's, which keeps σ' for BP1 and BP2) gives exactly
    # σ(z) and σ'(z) as computed one at a time, into the given arrays
    act = get_activation(name)
    z = np.random.default_rng(3).normal(0, 8, (7, 5)).astype(dtype)
    out, prime_out = np.empty_like(z), np.empty_like(z)
    a, sigma_prime = act.value_and_prime(z, np, out, prime_out)
    np.testing.assert_array_equal(a, act(z, np))
    if sigma_prime is None:  # relu, identity: their backward needs nothing kept
        assert name in ("relu", "identity")
        return
    assert a is out and sigma_prime is prime_out
    np.testing.assert_array_equal(sigma_prime, act.prime(z, a, np))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_beyond_the_range_the_limits_and_no_warnings(name: str, dtype: str) -> None:
    # past the exponential's range e^z is inf or 0 (and σ(z), σ'(z) smaller than any float
    # of either dtype, e^−800 < 5e-324): σ, tanh and σ' are then exactly their limits, with
    # no NaN and no overflow or division warning
    z = np.array([[-np.inf, -1e30, -1e4, -800.0, 800.0, 1e4, 1e30, np.inf]], dtype=dtype)
    act = get_activation(name)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        a, sigma_prime = act.value_and_prime(z, np)
        alone = act(z, np), act.prime(z, a, np)
    limits = np.where(z < 0, -1.0 if name == "tanh" else 0.0, 1.0)
    for computed in (a, alone[0]):
        np.testing.assert_array_equal(computed, limits)
    for computed in (sigma_prime, alone[1]):
        np.testing.assert_array_equal(computed, np.zeros_like(z))
