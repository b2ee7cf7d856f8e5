"""Messages for data that is wrong in ways a conversion would hide."""

from __future__ import annotations

import numpy as np
import pytest

from deltaprop import Network


def test_huge_float_labels_are_reported_as_given() -> None:
    X, y = np.zeros((3, 4)), np.array([0.0, 1e20, 1.0])
    with pytest.raises(ValueError, match=r"y\[1\] = 1e\+20 is outside the output range"):
        Network([4, 3, 2], seed=0).fit(X, y, epochs=1)


def test_float64_inputs_overflowing_float32_are_called_that() -> None:
    X, y = np.ones((3, 4)), np.array([0, 1, 1])
    X[2, 1] = 1e39
    with pytest.raises(ValueError, match=r"X holds 1e\+39 \(row 2\), too large for float32"):
        Network([4, 3, 2], seed=0).fit(X, y, epochs=1)
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"non-finite values \(NaN or inf\), first in row 2"):
        Network([4, 3, 2], seed=0).fit(X, y, epochs=1)


@pytest.mark.parametrize(
    ("output", "cost", "targets"),
    [
        ("softmax", "cross-entropy", [[1.5, -0.5], [0.0, 1.0]]),
        ("softmax", "log-likelihood", [[1.5, -0.5], [0.0, 1.0]]),
        ("sigmoid", "cross-entropy", [[5.0, 0.0], [0.0, 1.0]]),
    ],
)
def test_cross_entropy_targets_outside_0_1_are_refused(output, cost, targets) -> None:
    net = Network([4, 3, 2], output_activation=output, cost=cost, seed=0)
    with pytest.raises(ValueError, match=r"y\[0, 0\] = (1\.5|5): the cross-entropy cost needs"):
        net.fit(np.zeros((2, 4)), np.array(targets), epochs=1)
    with pytest.raises(ValueError, match="the cross-entropy cost needs targets in"):
        net.cost(np.zeros((2, 4)), np.array(targets))
