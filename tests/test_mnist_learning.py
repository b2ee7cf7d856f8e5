"""Learning happens on real MNIST: one epoch on a subset clears a bar well above chance (10%)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deltaprop import Network
from deltaprop.io import load_mnist


@pytest.fixture(scope="module")
def mnist(mnist_dir: Path):
    return load_mnist(mnist_dir)


def test_classic_network_learns_in_one_epoch_on_a_subset(mnist) -> None:
    # [784, 30, 10], sigmoid, quadratic, m = 10, η = 3.0 on the first 20,000 training images.
    # Measured: 85–88% for most seeds; N(0, 1) initialisation gives about one seed in five a bad
    # start (~72%), so three seeds are run and the median must clear 80%.
    accuracies = []
    for seed in (0, 1, 2):
        net = Network([784, 30, 10], seed=seed)
        history = net.fit(
            mnist.X_train[:20000],
            mnist.y_train[:20000],
            epochs=1,
            seed=seed,
            validation_data=(mnist.X_test, mnist.y_test),
        )
        accuracies.append(history["val_accuracy"][0])
    assert np.median(accuracies) >= 0.80, accuracies
    assert min(accuracies) >= 0.60, accuracies


def test_cross_entropy_scaled_init_learns_in_one_epoch(mnist) -> None:
    # Measured: 90.2–91.0% over six seeds on the first 10,000 training images.
    net = Network([784, 30, 10], cost="cross-entropy", init="scaled", seed=0)
    net.fit(mnist.X_train[:10000], mnist.y_train[:10000], epochs=1, eta=0.5, seed=0)
    assert net.accuracy(mnist.X_test, mnist.y_test) >= 0.88
