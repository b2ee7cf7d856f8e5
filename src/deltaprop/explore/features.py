"""The input features of the 2-D sets, as TensorFlow Playground offers them: the input layer
is fed any of x₁, x₂, x₁², x₂², x₁x₂, sin x₁ and sin x₂ of a point (x₁, x₂) of the plane.

The data's points stay in the plane (the decision surface is drawn over x₁ and x₂); the
network's inputs a^1 are the chosen features of each point, computed once, in float64 and
then cast to the network's float32, before training (:func:`with_features`). A mini-batch's
rows are features; :meth:`Features.points` finds the points they were computed from, so the
page can show each a^1_j = feature(x₁, x₂) with the point's numbers plugged in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: each feature by its name in the address: (how the page writes it, its function of the
#: points (n, 2) → (n,), in float64)
FEATURES: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "x1": ("x₁", lambda p: p[:, 0]),
    "x2": ("x₂", lambda p: p[:, 1]),
    "x1sq": ("x₁²", lambda p: p[:, 0] ** 2),
    "x2sq": ("x₂²", lambda p: p[:, 1] ** 2),
    "x1x2": ("x₁x₂", lambda p: p[:, 0] * p[:, 1]),
    "sinx1": ("sin x₁", lambda p: np.sin(p[:, 0])),
    "sinx2": ("sin x₂", lambda p: np.sin(p[:, 1])),
}
#: the features a 2-D set starts with: the point itself
PLAIN = ("x1", "x2")


@dataclass(frozen=True)
class Features:
    """The chosen features, in the order of :data:`FEATURES`.

    Examples
    --------
    >>> f = Features(("x1sq", "x1x2"))
    >>> f(np.array([[0.5, -2.0]])).tolist()
    [[0.25, -1.0]]
    >>> f.labels
    ['x₁²', 'x₁x₂']
    """

    names: tuple[str, ...] = PLAIN
    _points: dict[bytes, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """The features (n, d) of points (n, 2), in float64."""
        p = np.asarray(points, dtype=np.float64)
        return np.stack([FEATURES[name][1](p) for name in self.names], axis=1)

    @property
    def labels(self) -> list[str]:
        """The features as the page writes them."""
        return [FEATURES[name][0] for name in self.names]

    def remember(self, points: np.ndarray, inputs: np.ndarray) -> None:
        """Keep which point each row of ``inputs`` (the features of ``points``, as the network
        reads them) was computed from."""
        for p, x in zip(points, inputs):
            self._points.setdefault(x.tobytes(), p)

    def points(self, inputs: np.ndarray) -> np.ndarray:
        """The points (m, 2) whose features are the rows of ``inputs`` (m, d): of two points
        with the same features (x₁ = ±0.5 when only x₁² is fed), the first kept."""
        return np.array([self._points[x.tobytes()] for x in inputs], dtype=np.float64)


def with_features(data: Any, features: Features) -> Any:
    """``data`` (an :class:`~.data.ExploreData` of 2-D points) with its inputs replaced by
    ``features`` of its points, the points kept as ``points_train`` and ``points_test``."""
    dtype = data.X_train.dtype
    X_train = features(data.X_train).astype(dtype)
    X_test = features(data.X_test).astype(dtype)
    features.remember(data.X_train, X_train)
    features.remember(data.X_test, X_test)
    return dataclasses.replace(
        data,
        X_train=X_train,
        X_test=X_test,
        points_train=data.X_train,
        points_test=data.X_test,
    )


def feature_rows(features: Features, inputs: np.ndarray) -> dict[str, Any]:
    """For the recorded rows ``inputs`` (m, d): their points (x₁, x₂) and each feature's
    equation, so the page can write a^1_j = x₁² = (x₁)² with the numbers plugged in."""
    points = features.points(np.asarray(inputs))
    return {"names": list(features.names), "labels": features.labels, "points": points}
