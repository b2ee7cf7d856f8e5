"""Network construction, shapes, and the clear errors bad input must give."""

from __future__ import annotations

import numpy as np
import pytest

from deltaprop import Network


def test_shapes_follow_spec_notation() -> None:
    net = Network([784, 30, 10], seed=0)
    assert net.sizes == (784, 30, 10)
    assert [w.shape for w in net.weights] == [(30, 784), (10, 30)]  # w^l: (n_l, n_{l-1})
    assert [b.shape for b in net.biases] == [(30,), (10,)]
    assert all(p.dtype == np.float32 for p in net.weights + net.biases)
    assert net.n_parameters == 784 * 30 + 30 + 30 * 10 + 10


def test_feedforward_returns_output_for_every_row() -> None:
    net = Network([4, 3, 2], seed=0)
    X = np.random.default_rng(0).random((5, 4))
    a = net.feedforward(X)
    assert a.shape == (5, 2) and a.dtype == np.float32
    assert ((a > 0) & (a < 1)).all()
    assert net.predict(X).shape == (5,)


def test_feedforward_in_blocks_equals_one_pass() -> None:
    net = Network([3, 4, 2], dtype="float64", seed=0)
    net._blocks = lambda n: (slice(i, min(n, i + 2)) for i in range(0, n, 2))  # type: ignore[method-assign]
    X = np.random.default_rng(1).random((7, 3))
    blocked = net.feedforward(X)
    del net._blocks
    np.testing.assert_allclose(blocked, net.feedforward(X), rtol=1e-14)


def test_init_normal_and_scaled() -> None:
    normal = Network([1000, 200, 10], init="normal", dtype="float64", seed=0)
    scaled = Network([1000, 200, 10], init="scaled", dtype="float64", seed=0)
    assert np.std(normal.weights[0]) == pytest.approx(1.0, rel=0.02)
    assert np.std(scaled.weights[0]) == pytest.approx(1 / np.sqrt(1000), rel=0.02)
    assert np.std(scaled.biases[0]) == pytest.approx(1.0, rel=0.2)


def test_same_seed_same_parameters_in_both_dtypes() -> None:
    a = Network([5, 4, 3], seed=7, dtype="float64")
    b = Network([5, 4, 3], seed=7, dtype="float32")
    for p, q in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(p.astype(np.float32), q)
    c = Network([5, 4, 3], seed=8, dtype="float64")
    assert not np.array_equal(a.weights[0], c.weights[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sizes": [784]}, "at least two layers"),
        ({"sizes": []}, "at least two layers"),
        ({"sizes": [784, 0, 10]}, r"sizes\[1\] must be a positive integer"),
        ({"sizes": [784, -3, 10]}, r"sizes\[1\] must be a positive integer"),
        ({"sizes": [784, 2.5, 10]}, r"sizes\[1\] must be a positive integer"),
        ({"sizes": 784}, "sequence of layer widths"),
        ({"activation": "sigmod"}, "unknown activation 'sigmod'; choose one of"),
        ({"output_activation": "soft"}, "unknown output_activation 'soft'"),
        ({"cost": "hinge"}, "unknown cost 'hinge'; choose one of"),
        ({"init": "zeros"}, "unknown init 'zeros'"),
        ({"dtype": "int32"}, "dtype must be 'float32' or 'float64'"),
        ({"dtype": "bogus"}, "dtype must be 'float32' or 'float64'"),
        ({"seed": -1}, "seed must be None or a non-negative integer"),
        ({"activation": "softmax"}, "not elementwise, so BP2 cannot use it in hidden layers"),
        ({"output_activation": "tanh", "cost": "cross-entropy"}, "needs output activation"),
        ({"output_activation": "relu", "cost": "cross-entropy"}, "needs output activation"),
        (
            {"output_activation": "sigmoid", "cost": "log-likelihood"},
            "needs output activation 'softmax'",
        ),
    ],
)
def test_bad_configuration_is_rejected_clearly(kwargs: dict, message: str) -> None:
    args = {"sizes": [784, 30, 10], **kwargs}
    with pytest.raises(ValueError, match=message):
        Network(**args)


def test_softmax_with_quadratic_cost_is_handled_exactly() -> None:
    # Allowed: softmax's Jacobian is applied in full in BP1 (checked by gradcheck elsewhere).
    net = Network([3, 4], activation="softmax", cost="quadratic", seed=0)
    assert net.sigmas[-1].name == "softmax"


def test_cross_entropy_with_softmax_is_the_log_likelihood() -> None:
    net = Network([3, 4, 2], "relu", "softmax", "cross-entropy", seed=0)
    assert net.cost_function.name == "log-likelihood"
    assert net.config.cost == "cross-entropy"


BAD_DATA = [
    (
        np.zeros((4, 3)),
        np.zeros(4, dtype=int),
        "X has 3 columns but the network's input layer has 5",
    ),
    (np.zeros((4, 5)), np.zeros(3, dtype=int), "y has 3 rows but X has 4"),
    (np.zeros((0, 5)), np.zeros(0, dtype=int), "X is empty"),
    (np.zeros(5), np.zeros(1, dtype=int), r"X must be 2-D .*X.reshape\(1, -1\)"),
    (np.full((4, 5), np.nan), np.zeros(4, dtype=int), "non-finite values .* row 0"),
    (np.zeros((4, 5)), np.array([0, 1, 2, 3]), r"y\[3\] = 3 is outside the output range"),
    (np.zeros((4, 5)), np.array([0, -1, 2, 1]), r"y\[1\] = -1 is outside the output range"),
    (np.zeros((4, 5)), np.array([0, 0.5, 2, 1]), "non-integer values"),
    (np.zeros((4, 5)), np.zeros((4, 2)), "y has 2 columns but the network has 3 outputs"),
    (np.array([["a"] * 5] * 4), np.zeros(4, dtype=int), "X must hold numbers"),
    (np.zeros((4, 5)), np.array(["a"] * 4), "y must hold numbers"),
]


@pytest.mark.parametrize(("X", "y", "message"), BAD_DATA)
def test_bad_data_is_rejected_clearly(X: np.ndarray, y: np.ndarray, message: str) -> None:
    net = Network([5, 4, 3], seed=0)
    for call in (net.fit, net.backprop, net.cost, net.evaluate):
        with pytest.raises(ValueError, match=message):
            call(X, y)


def test_softmax_targets_must_sum_to_one() -> None:
    net = Network([2, 3], "sigmoid", "softmax", "cross-entropy", seed=0)
    with pytest.raises(ValueError, match=r"row 0 of y sums to 0\.5"):
        net.cost(np.zeros((1, 2)), np.array([[0.5, 0.0, 0.0]]))


def test_predict_single_output_thresholds_at_half() -> None:
    net = Network([1, 1], dtype="float64", seed=0)
    net.weights[0][...] = 1.0
    net.biases[0][...] = 0.0
    assert net.predict(np.array([[-2.0], [2.0]])).tolist() == [0, 1]


def test_evaluate_reports_cost_and_accuracy() -> None:
    net = Network([2, 2], dtype="float64", seed=0)
    net.weights[0][...] = np.eye(2) * 10
    net.biases[0][...] = 0.0
    X, y = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]]), np.array([0, 1, 1])
    scores = net.evaluate(X, y)
    assert scores["correct"] == 2 and scores["n"] == 3
    assert scores["accuracy"] == pytest.approx(2 / 3)
    assert scores["cost"] == pytest.approx(net.cost(X, y))
    assert net.accuracy(X, y) == pytest.approx(2 / 3)


def test_copy_is_independent_and_can_change_dtype() -> None:
    net = Network([3, 2], seed=0)
    twin = net.copy(dtype="float64")
    assert twin.weights[0].dtype == np.float64
    twin.weights[0][...] = 0
    assert np.abs(net.weights[0]).sum() > 0
