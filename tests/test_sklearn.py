"""The scikit-learn estimators: scikit-learn's own checks, Pipeline and GridSearchCV, labels."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_digits, make_regression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from deltaprop import TrainConfig
from deltaprop.sklearn import DeltapropClassifier, DeltapropRegressor


@parametrize_with_checks(
    [
        DeltapropClassifier(hidden_layer_sizes=(20,), epochs=50, eta=0.01),
        DeltapropRegressor(hidden_layer_sizes=(20,), epochs=50, eta=0.01),
    ]
)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks([DeltapropClassifier(), DeltapropRegressor()])
def test_scikit_learn_estimator_checks_with_the_defaults(estimator, check) -> None:
    check(estimator)


def _digits(n: int = 600) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return train_test_split(X[:n], y[:n], test_size=0.25, random_state=0)


def test_pipeline_and_grid_search_pick_a_regularisation() -> None:
    X_train, X_test, y_train, y_test = _digits()
    pipe = make_pipeline(
        StandardScaler(),
        DeltapropClassifier(hidden_layer_sizes=(32,), epochs=15, batch_size=32, random_state=0),
    )
    grid = GridSearchCV(
        pipe,
        {"deltapropclassifier__l2": [0.0, 5.0], "deltapropclassifier__eta": [0.003, 0.01]},
        cv=3,
    )
    grid.fit(X_train, y_train)
    assert set(grid.best_params_) == {"deltapropclassifier__l2", "deltapropclassifier__eta"}
    assert grid.cv_results_["mean_test_score"].shape == (4,)
    assert grid.score(X_test, y_test) > 0.9  # refitted on all training rows
    fitted = grid.best_estimator_[-1]
    assert fitted.n_iter_ == 15 and len(fitted.loss_curve_) == 15
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]


def test_string_labels_come_back_as_strings() -> None:
    X_train, X_test, y_train, y_test = _digits()
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
    clf = DeltapropClassifier(
        hidden_layer_sizes=(32,), epochs=20, batch_size=32, eta=0.01, random_state=1
    )
    clf.fit(X_train / 16, names[y_train])
    assert list(clf.classes_) == sorted(names)
    predicted = clf.predict(X_test / 16)
    assert predicted.dtype == names.dtype and set(predicted) <= set(names)
    assert np.mean(predicted == names[y_test]) > 0.9
    proba = clf.predict_proba(X_test / 16)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    assert np.array_equal(clf.classes_[proba.argmax(axis=1)], predicted)


def test_partial_fit_continues_where_fit_left_off() -> None:
    X_train, _, y_train, _ = _digits()
    X_train = X_train / 16
    kw = dict(hidden_layer_sizes=(16,), batch_size=50, random_state=3)
    fitted = DeltapropClassifier(epochs=4, **kw).fit(X_train, y_train)
    stepped = DeltapropClassifier(epochs=4, **kw).fit(X_train, y_train)
    stepped.partial_fit(X_train, y_train)
    assert stepped.n_iter_ == 5 and stepped.loss_curve_[:4] == fitted.loss_curve_
    # Five epochs in one fit give the same network as four and then one more: the shuffling
    # and Adam's state carry over.
    five = DeltapropClassifier(epochs=5, **kw).fit(X_train, y_train)
    for w, w5 in zip(stepped.net_.weights, five.net_.weights):
        np.testing.assert_array_equal(w, w5)


def test_partial_fit_needs_the_classes_first_and_knows_them_after() -> None:
    X_train, _, y_train, _ = _digits()
    clf = DeltapropClassifier(hidden_layer_sizes=(8,), batch_size=50, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X_train, y_train)
    clf.partial_fit(X_train[:100], y_train[:100], classes=np.arange(10))
    clf.partial_fit(X_train[100:], y_train[100:])
    assert clf.n_iter_ == 2
    with pytest.raises(ValueError, match=r"not in classes: \[11\]"):
        clf.partial_fit(X_train[:3], np.array([1, 11, 2]))


def test_validation_split_and_patience_keep_the_best_epoch() -> None:
    X_train, _, y_train, _ = _digits()
    clf = DeltapropClassifier(
        hidden_layer_sizes=(16,),
        epochs=200,
        eta=0.05,
        batch_size=20,
        validation_split=0.25,
        patience=3,
        random_state=0,
    ).fit(X_train / 16, y_train)
    assert clf.n_iter_ < 200 and "stopped" in clf.history_.rows[-1]
    scores = clf.validation_scores_
    best = int(np.argmax(scores))
    assert clf.n_iter_ == best + 1 + 3  # stopped 3 epochs after the (first) best
    X_val, y_val = X_train[-len(X_train) // 4 :] / 16, y_train[-len(X_train) // 4 :]
    assert clf.score(X_val, y_val) == pytest.approx(scores[best])  # the best epoch's weights


def test_regressor_fits_a_smooth_function_with_one_and_two_targets() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (400, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2
    reg = DeltapropRegressor(
        hidden_layer_sizes=(32,),
        activation="tanh",
        epochs=150,
        eta=0.01,
        batch_size=20,
        random_state=0,
    )
    assert reg.fit(X[:300], y[:300]).score(X[300:], y[300:]) > 0.95
    assert reg.predict(X[:5]).shape == (5,)
    Y2 = np.column_stack([y, -y])
    reg.fit(X[:300], Y2[:300])
    assert reg.n_outputs_ == 2 and reg.predict(X[:5]).shape == (5, 2)
    assert reg.score(X[300:], Y2[300:]) > 0.95


def test_fitted_estimator_pickles_and_predicts_the_same() -> None:
    X, y = make_regression(n_samples=80, n_features=3, random_state=0)
    reg = DeltapropRegressor(hidden_layer_sizes=(8,), epochs=5, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    again.partial_fit(X, y)  # the optimiser's state travelled too
    assert again.n_iter_ == 6


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (dict(l2=-1.0), "l2 must be a finite number ≥ 0"),
        (dict(optimizer="rmsprop"), "unknown optimizer 'rmsprop'"),
        (dict(dropout=1.0), "dropout must be at least 0 and below 1"),
        (dict(hidden_layer_sizes=(0,)), r"sizes\[1\] must be a positive integer"),
        (dict(activation="softplus"), "unknown activation"),
        (dict(patience=3), "validation_split"),
    ],
)
def test_bad_hyper_parameters_are_reported_at_fit(params: dict, match: str) -> None:
    X, y = load_digits(return_X_y=True)
    clf = DeltapropClassifier(**params)  # storing them is never an error
    with pytest.raises(ValueError, match=match):
        clf.fit(X[:50], y[:50])


@pytest.mark.parametrize("estimator", [DeltapropClassifier, DeltapropRegressor])
def test_the_parameters_are_the_train_config_options_and_the_network_options(estimator) -> None:
    options = {f.name for f in dataclasses.fields(TrainConfig)} - {"seed"}  # random_state
    network = {"hidden_layer_sizes", "activation", "init", "dtype", "random_state"}
    assert set(estimator().get_params()) == options | network
    # each is passed on: a value the TrainConfig refuses is refused at fit, naming it
    X, y = np.random.default_rng(0).random((20, 3)), np.arange(20) % 2
    for name in sorted(options - {"shuffle", "validation_split", "patience"}):
        with pytest.raises(ValueError, match=name):
            estimator(**{name: -1.0 if name != "optimizer" and name != "schedule" else "x"}).fit(
                X, y
            )
