"""Optimisers: the update rules against independent routes (Sutskever's look-ahead form of
Nesterov momentum, scikit-learn's implementations, a hand-worked Adam step), and their state
as plain data."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.core.ops import ops_for
from deltaprop.training.optimizers import SGD, Adam, Momentum, Nesterov, get_optimizer

A = np.diag([1.0, 10.0])  # f(θ) = ½ θᵀAθ, an ill-conditioned bowl; ∇f = Aθ


def _grad(theta: np.ndarray) -> np.ndarray:
    return A @ theta


def _run(opt, steps: int, eta: float, theta0=(1.0, 1.0)) -> np.ndarray:
    theta = np.array(theta0)
    state = opt.init([theta])
    for _ in range(steps):
        opt.update([theta], [_grad(theta)], state, eta, np)
    return theta


def test_momentum_is_the_velocity_recurrence() -> None:
    theta, v = np.array([1.0, 1.0]), np.zeros(2)
    for _ in range(5):
        v = 0.8 * v - 0.05 * _grad(theta)
        theta = theta + v
    np.testing.assert_allclose(_run(Momentum(0.8), 5, 0.05), theta, rtol=1e-14)


def test_zero_momentum_is_plain_sgd() -> None:
    np.testing.assert_allclose(_run(Momentum(0.0), 7, 0.1), _run(SGD(), 7, 0.1), rtol=1e-14)


def test_nesterov_is_sutskevers_look_ahead_form() -> None:
    # Sutskever et al. (2013): v → μv − η∇f(φ + μv), φ → φ + v. deltaprop keeps the
    # look-ahead point θ = φ + μv instead, so θ_t must equal φ_t + μ v_t at every step.
    mu, eta = 0.9, 0.02
    phi, v = np.array([1.0, 1.0]), np.zeros(2)
    theta = phi.copy()
    opt = Nesterov(mu)
    state = opt.init([theta])
    for _ in range(12):
        v = mu * v - eta * _grad(phi + mu * v)
        phi = phi + v
        opt.update([theta], [_grad(theta)], state, eta, np)
        np.testing.assert_allclose(theta, phi + mu * v, rtol=1e-12, atol=1e-15)


def test_first_adam_step_is_eta_times_the_sign_of_the_gradient() -> None:
    # t = 1: m = (1 − β1) g, v = (1 − β2) g², η_1 = η √(1 − β2)/(1 − β1), so the step is
    # η g/|g| up to ε: every coordinate moves by η whatever the size of its gradient.
    theta0 = np.array([3.0, -0.002, 50.0])
    grads = np.array([1e3, -0.5, 2.0])
    theta = theta0.copy()
    opt = Adam()
    opt.update([theta], [grads], opt.init([theta]), 0.01, np)
    np.testing.assert_allclose((theta0 - theta) / 0.01, [1, -1, 1], rtol=1e-6)


@pytest.mark.parametrize("name", ["momentum", "nesterov", "adam"])
def test_updates_match_scikit_learns_optimizers(name: str) -> None:
    sgd_adam = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    rng = np.random.default_rng(0)
    ours = [rng.standard_normal((3, 4)), rng.standard_normal(3)]
    theirs = [p.copy() for p in ours]
    if name == "adam":
        opt, ref = Adam(0.8, 0.99, 1e-7), sgd_adam.AdamOptimizer(theirs, 0.01, 0.8, 0.99, 1e-7)
    else:
        opt = get_optimizer(name)
        ref = sgd_adam.SGDOptimizer(theirs, 0.01, momentum=0.9, nesterov=name == "nesterov")
    state = opt.init(ours)
    for _ in range(6):
        grads = [rng.standard_normal(p.shape) for p in ours]
        opt.update(ours, grads, state, 0.01, np)
        ref.update_params(theirs, [g.copy() for g in grads])
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p, q, rtol=1e-12)


@pytest.mark.parametrize("opt", [Momentum(0.9), Nesterov(0.9), Adam()])
def test_all_descend_the_bowl(opt) -> None:
    eta = 0.01 if isinstance(opt, Momentum) else 0.1
    assert np.linalg.norm(_run(opt, 300, eta)) < 1e-3


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_state_is_plain_data_and_resumes_exactly(name: str) -> None:
    opt = get_optimizer(name)
    rng = np.random.default_rng(1)
    params = [rng.standard_normal((2, 3)), rng.standard_normal(2)]
    grads = [[rng.standard_normal(p.shape) for p in params] for _ in range(4)]
    state = opt.init(params)
    for g in grads[:2]:
        opt.update(params, g, state, 0.1, np)
    saved_params, saved_state = copy.deepcopy(params), copy.deepcopy(state)
    for v in saved_state.values():  # a dict of numbers and lists of arrays
        assert isinstance(v, (int, list))
    for g in grads[2:]:
        opt.update(params, g, state, 0.1, np)
    for g in grads[2:]:  # the same two steps from the copy
        opt.update(saved_params, g, saved_state, 0.1, np)
    for p, q in zip(params, saved_params):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adam"])
def test_fit_trains_with_each_optimizer(optimizer: str) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 90)
    X = np.eye(3)[y] * 2 + 0.3 * rng.standard_normal((90, 3))
    net = Network([3, 6, 3], "tanh", "softmax", "cross-entropy", init="scaled", seed=0)
    eta = 0.01 if optimizer == "adam" else 0.05
    history = net.fit(X, y, epochs=15, batch_size=10, eta=eta, optimizer=optimizer, seed=0)
    assert history["train_cost"][-1] < 0.5 * history["train_cost"][0]
    assert net.accuracy(X, y) > 0.9


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Momentum(1.0), "momentum must be at least 0 and below 1"),
        (lambda: Nesterov(-0.1), "momentum must be a finite number ≥ 0"),
        (lambda: Adam(beta2=1.5), "beta2 must be at least 0 and below 1"),
        (lambda: Adam(epsilon=0), "epsilon must be a positive"),
        (lambda: get_optimizer("rmsprop"), "unknown optimizer 'rmsprop'; choose one of: adam"),
    ],
)
def test_bad_hyper_parameters_say_what_is_allowed(make, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes", [[4, 3, 2], [784, 400, 10]])  # one flat operation; in pieces
def test_the_flat_fast_path_of_sgd_is_the_textbook_loop_bit_for_bit(sizes, dtype) -> None:
    from deltaprop.core.workspace import flat_arrays

    shapes = [(n, k) for k, n in zip(sizes[:-1], sizes[1:])] + [(n,) for n in sizes[1:]]
    rng = np.random.default_rng(0)
    flat_params, flat_grads = flat_arrays(shapes, np, dtype), flat_arrays(shapes, np, dtype)
    for p, g in zip(flat_params, flat_grads):
        p[...] = rng.standard_normal(p.shape)
        g[...] = rng.standard_normal(g.shape)
    assert flat_params.flat is not None and flat_params.flat.shape[0] > 0
    plain = [p.copy() for p in flat_params]  # separate arrays: the textbook loop
    SGD().update(plain, [g.copy() for g in flat_grads], {}, 0.37, np)
    SGD().update(flat_params, flat_grads, {}, 0.37, np)  # views of one buffer: the fast path
    for fast, loop in zip(flat_params, plain):
        assert fast.dtype == loop.dtype and np.array_equal(fast, loop)
    assert sum(p.size for p in plain) > ops_for(np).cache_block or sizes == [4, 3, 2]


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam"])
def test_an_update_in_pieces_is_the_update_in_one_go(name, monkeypatch) -> None:
    # w^2 of [784, 400, 10] has 313,600 numbers: more than a piece, so it is updated piecewise
    import dataclasses

    from deltaprop.core import ops as ops_module

    shapes = [(400, 784), (10, 400), (400,), (10,)]
    assert shapes[0][0] * shapes[0][1] > ops_for(np).cache_block
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(3)]
    results = []
    for block in (ops_for(np).cache_block, None):  # in pieces, then in one go
        ops = dataclasses.replace(ops_for(np), cache_block=block)
        monkeypatch.setitem(ops_module._CACHE, id(np), (np, ops))
        optimizer, params = get_optimizer(name), [p.copy() for p in start]
        state = optimizer.init(params)
        for g in grads:
            optimizer.update(params, g, state, 0.01, np)
        results.append(params)
    for piecewise, whole in zip(*results):
        assert np.array_equal(piecewise, whole)
