"""Validation (held-out rows or given data) and early stopping with the best weights kept."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from deltaprop import Callback, Network, Step, TrainConfig
from deltaprop.training.early_stopping import EarlyStopping, validation_score


def _blobs(n: int, seed: int = 0, noise: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return np.eye(3)[y] * 1.5 + noise * rng.standard_normal((n, 3)), y


class WeightsPerEpoch(Callback):
    """Keeps a copy of the weights after every epoch."""

    def on_train_begin(self, trainer: Any) -> None:
        self.net, self.copies = trainer.model, []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.copies.append([w.copy() for w in self.net.weights + self.net.biases])


def test_early_stopping_unit() -> None:
    stopper = EarlyStopping(patience=2)
    state = stopper.init()
    params = [np.array([0.0])]
    decisions = []
    for epoch, score in enumerate([0.1, 0.3, 0.2, 0.3, 0.25], start=1):
        params[0][0] = epoch  # the parameters "after" this epoch
        decisions.append(stopper.update(epoch, score, params, state, np))
    assert decisions == [False, False, False, True, True]  # best at 2; 3 and 4 don't beat it
    assert stopper.restore(params, state) == 2 and params[0][0] == 2.0


def test_score_is_accuracy_else_minus_cost() -> None:
    assert validation_score({"val_accuracy": 0.9, "val_cost": 0.3}) == 0.9
    assert validation_score({"val_cost": 0.3}) == -0.3
    assert validation_score({"train_cost": 0.3}) is None


def test_fit_stops_after_patience_and_keeps_the_best_epochs_weights() -> None:
    X, y = _blobs(300)
    Xv, yv = _blobs(200, seed=1)
    net = Network([3, 30, 3], "sigmoid", "softmax", "cross-entropy", dtype="float64", seed=0)
    rec = WeightsPerEpoch()
    history = net.fit(
        X,
        y,
        epochs=300,
        batch_size=5,
        eta=2.0,
        validation_data=(Xv, yv),
        patience=3,
        seed=0,
        callbacks=[rec],
    )
    best = history.best("val_accuracy")
    assert len(history) == best["epoch"] + 3 < 300
    assert history.rows[-1]["stopped"] == "no better validation score in 3 epochs"
    for p, q in zip(net.weights + net.biases, rec.copies[best["epoch"] - 1]):
        np.testing.assert_array_equal(p, q)
    assert net.accuracy(Xv, yv) == best["val_accuracy"]


def test_validation_split_holds_out_the_last_rows() -> None:
    X, y = _blobs(50)
    X[:, 0] = np.arange(50)  # tag each row
    seen: list[float] = []

    class Tags(Callback):
        def on_batch_end(self, step: Step) -> None:
            seen.extend(step.x[:, 0].tolist())

    net = Network([3, 4, 3], dtype="float64", seed=0)
    history = net.fit(
        X, y, epochs=2, batch_size=7, eta=0.1, validation_split=0.2, seed=0, callbacks=[Tags()]
    )
    assert sorted(seen) == sorted(list(range(40)) * 2)  # rows 40 … 49 never trained on
    assert history["val_n"] == [10, 10]
    net2 = Network([3, 4, 3], dtype="float64", seed=0)
    same = net2.fit(
        X[:40], y[:40], epochs=2, batch_size=7, eta=0.1, validation_data=(X[40:], y[40:]), seed=0
    )
    assert same["val_cost"] == history["val_cost"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(validation_split=1.5), r"fraction in \(0, 1\)"),
        (dict(validation_split=50), "holds out 50 of the 50 training rows"),
        (dict(validation_split="10%"), "fraction in"),
        (dict(patience=0), "patience must be a positive integer"),
        (dict(patience=2), "early stopping .patience. watches the validation score"),
        (dict(validation_split=10, validation_data=(np.zeros((2, 3)), [0, 1])), "not both"),
    ],
)
def test_bad_validation_options(kwargs: dict, match: str) -> None:
    X, y = _blobs(50)
    with pytest.raises(ValueError, match=match):
        Network([3, 4, 3], seed=0).fit(X, y, epochs=1, **kwargs)


def test_fit_keywords_are_the_train_config_fields_with_the_same_defaults() -> None:
    X, y = _blobs(30)
    with pytest.raises(TypeError, match="unknown options nesterov_momentum; the training"):
        Network([3, 4, 3]).fit(X, y, nesterov_momentum=0.5)
    config = TrainConfig(
        epochs=2,
        batch_size=5,
        eta=0.5,
        optimizer="nesterov",
        l2=1.0,
        dropout=0.2,
        schedule="cosine",
        seed=3,
    )
    a, b = Network([3, 4, 3], seed=0), Network([3, 4, 3], seed=0)
    a.fit(X, y, **dataclasses.asdict(config))
    b.fit(
        X,
        y,
        epochs=2,
        batch_size=5,
        eta=0.5,
        optimizer="nesterov",
        l2=1.0,
        dropout=0.2,
        schedule="cosine",
        seed=3,
    )
    for p, q in zip(a.weights, b.weights):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(optimizer="rmsprop"), "unknown optimizer 'rmsprop'"),
        (dict(schedule="linear"), "unknown schedule 'linear'"),
        (dict(l2=-1), "l2 must be a finite number ≥ 0"),
        (dict(l1=float("nan")), "l1 must be a finite number ≥ 0"),
        (dict(dropout=1), "dropout must be at least 0 and below 1"),
        (dict(momentum=1.2), "momentum must be at least 0 and below 1"),
        (dict(plateau_patience=0), "plateau_patience must be a positive integer"),
    ],
)
def test_train_config_checks_every_field(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_a_run_in_pieces_ends_like_a_run_in_one_go() -> None:
    from deltaprop.training.loop import Trainer

    X, y = _blobs(120)
    Xv, yv = _blobs(60, seed=1)
    nets = [
        Network([3, 8, 3], "tanh", "softmax", "cross-entropy", dtype="float64", seed=0)
        for _ in range(2)
    ]
    validation = nets[0].check_data(Xv, yv)
    config = TrainConfig(
        epochs=8,
        batch_size=10,
        eta=0.5,
        optimizer="momentum",
        patience=3,
        schedule="cosine",
        seed=2,
    )
    whole = Trainer(nets[0], config)
    whole.run(*nets[0].check_data(X, y), validation)
    pieces = Trainer(nets[1], config)
    for _ in range(config.epochs):  # one epoch per call, as partial_fit trains
        history = pieces.run(*nets[1].check_data(X, y), validation, epochs=1)
        if "stopped" in history.rows[-1]:
            break
    assert "stopped" in whole.state.history.rows[-1]  # early, so the best weights came back
    assert pieces.state.history["val_cost"] == whole.state.history["val_cost"]
    for p, q in zip(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases):
        np.testing.assert_array_equal(p, q)
