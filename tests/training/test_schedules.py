"""Learning-rate schedules: cosine values, the classic halve-on-plateau rule, and what the
training loop does with them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.training.schedules import Constant, Cosine, Plateau, get_schedule


def test_cosine_goes_from_eta_down_along_half_a_cosine() -> None:
    s = Cosine()
    etas = [s.eta(e, 5, 0.8, {}) for e in range(1, 6)]
    # ½η(1 + cos(π(e−1)/5)) for e = 1 … 5
    expected = [0.8 * 0.5 * (1 + math.cos(math.pi * k / 5)) for k in range(5)]
    assert etas == pytest.approx(expected)
    assert etas[0] == 0.8 and all(a > b for a, b in zip(etas, etas[1:]))
    assert s.eta(6, 5, 0.8, {}) == 0.0 and s.eta(20, 5, 0.8, {}) == 0.0  # no climbing back


def test_plateau_halves_after_patience_epochs_without_a_new_best() -> None:
    s = Plateau(patience=2)
    state = s.init()
    scores = [0.5, 0.6, 0.6, 0.55, 0.7, 0.65, 0.69, 0.71]
    etas = []
    for score in scores:
        etas.append(s.eta(0, 0, 1.0, state))
        assert s.update(score, state) is False
    # Best 0.6 at epoch 2; epochs 3 and 4 do not beat it (a tie is no improvement), so epoch 5
    # trains at ½. Best 0.7 at epoch 5; 6 and 7 do not beat it: epoch 8 at ¼.
    assert etas == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25]


def test_plateau_stops_when_eta_has_come_down_to_one_128th() -> None:
    s = Plateau(patience=1)
    state = s.init()
    s.update(1.0, state)
    stops = [s.update(0.0, state) for _ in range(7)]  # every later epoch is a plateau
    assert stops == [False] * 6 + [True]  # η/2, …, η/64, then η/128: stop
    assert s.eta(0, 0, 1.0, state) == 1 / 128


def test_constant_and_registry() -> None:
    assert Constant().eta(3, 10, 0.25, {}) == 0.25
    assert get_schedule("plateau", patience=4) == Plateau(4)
    with pytest.raises(ValueError, match="unknown schedule 'step'; choose one of: constant"):
        get_schedule("step")
    with pytest.raises(ValueError, match="factor must be above 0"):
        Plateau(factor=0)


def _blobs(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    return np.eye(3)[y] + 0.8 * rng.standard_normal((n, 3)), y


def test_fit_records_the_cosine_etas() -> None:
    X, y = _blobs()
    net = Network([3, 4, 3], seed=0)
    history = net.fit(X, y, epochs=4, batch_size=10, eta=2.0, schedule="cosine", seed=0)
    assert history["eta"] == pytest.approx([2.0, 1.0 + 2**-0.5, 1.0, 1.0 - 2**-0.5])


def test_fit_with_plateau_halves_on_the_validation_score_and_stops() -> None:
    X, y = _blobs(200)
    net = Network([3, 4, 3], seed=0)
    history = net.fit(
        X,
        y,
        epochs=200,
        batch_size=20,
        eta=1.0,
        schedule="plateau",
        plateau_patience=1,
        validation_split=50,
        seed=0,
    )
    etas = history["eta"]
    assert etas[0] == 1.0 and min(etas) == 1 / 64  # trained down to η/64, stopped at η/128
    assert all(b in (a, a / 2) for a, b in zip(etas, etas[1:]))
    assert len(history) < 200 and "eta down to 0.0078125" in history.rows[-1]["stopped"]
    assert set(history["val_n"]) == {50}


def test_plateau_without_validation_data_says_how_to_give_it() -> None:
    X, y = _blobs()
    with pytest.raises(ValueError, match="validation_split= to hold out"):
        Network([3, 4, 3], seed=0).fit(X, y, epochs=2, schedule="plateau")
