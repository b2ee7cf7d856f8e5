"""The explorer's data: 2-D toy sets (classes, and two regression sets), points drawn on the
page, the 8×8 digits, MNIST and the user's own arrays, cut into a training and a test part.

Every set is an :class:`ExploreData` of float32 inputs in a small range and integer class
labels 0 … k−1 (or, for a regression set, one real target a row); the 2-D sets are "plane"
data (the page draws the decision surface, or a regression's output as a surface over the
plane), the digits and MNIST "image" data (the page draws the first layer's weights as
images). The sizes, noise and test fraction asked for are checked by their declarations in
:mod:`.settings`, once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: the 2-D sets of classes the page offers, by name
TOYS = ("circle", "xor", "gaussian", "spiral")
#: the 2-D regression sets: one real target a point, learned with an identity output and the
#: quadratic cost (a tilted plane, and four Gaussian bumps of either sign)
REGRESSIONS = ("reg-plane", "reg-gauss")
#: every data source the page offers
SOURCES = (*TOYS, *REGRESSIONS, "drawn", "digits", "mnist", "upload")
#: the largest upload accepted, in bytes
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: the most rows and classes an uploaded array may have
MAX_ROWS, MAX_CLASSES = 200_000, 100
#: the most points the page may draw
MAX_DRAWN = 5000


@dataclass(frozen=True)
class ExploreData:
    """Inputs (n, d) float32 and labels (n,) int64, split into train and test rows."""

    name: str
    X_train: np.ndarray  # (n_train, d)
    y_train: np.ndarray  # (n_train,) class labels, or float32 targets of a regression
    X_test: np.ndarray  # (n_test, d)
    y_test: np.ndarray  # (n_test,)
    n_classes: int  # the output layer's width: the classes, 1 for a regression
    kind: str  # "plane" (2-D), "image" (a square number of inputs) or "table"
    regression: bool = False
    classes: tuple[str, ...] | None = None  # the classes' names, where the file named them
    points_train: np.ndarray | None = None  # (n_train, 2) the points, where X are features
    points_test: np.ndarray | None = None  # (n_test, 2)

    @property
    def n_features(self) -> int:
        """d, the width of the input layer."""
        return int(self.X_train.shape[1])

    @property
    def train_points(self) -> np.ndarray:
        """The training rows as points of the plane (X itself unless X are features)."""
        return self.X_train if self.points_train is None else self.points_train

    @property
    def test_points(self) -> np.ndarray:
        """The test rows as points of the plane."""
        return self.X_test if self.points_test is None else self.points_test

    def targets(self, y: np.ndarray) -> np.ndarray:
        """What ``Network.fit`` is given for labels ``y``: the labels, or a regression's
        targets as rows (n, 1)."""
        return y.reshape(-1, 1) if self.regression else y


def _toy(name: str, n: int, noise: float, rng: np.random.Generator) -> tuple[Any, Any]:
    """n points of a 2-D set in [−1, 1]², with Gaussian noise of std ``noise`` (0 … 0.5)."""
    if name == "circle":  # class 1 inside radius 0.5, class 0 on a ring 0.7 … 1
        y = rng.integers(0, 2, n)
        r = np.where(y == 1, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
        t = rng.uniform(0, 2 * math.pi, n)
        X = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    elif name == "xor":  # the quadrant's sign
        X = rng.uniform(-1, 1, (n, 2))
        X += np.sign(X) * 0.05  # a margin between the quadrants
        y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    elif name == "gaussian":  # three clusters
        y = rng.integers(0, 3, n)
        centres = np.array([[-0.5, -0.4], [0.5, -0.4], [0.0, 0.5]])
        X = centres[y] + rng.normal(0, 0.18, (n, 2))
    elif name == "spiral":  # two interleaved arms
        y = rng.integers(0, 2, n)
        t = rng.uniform(0.25, 1.0, n) * 3 * math.pi
        X = np.stack([t * np.cos(t + math.pi * y), t * np.sin(t + math.pi * y)], axis=1)
        X /= 3 * math.pi
    else:
        raise ValueError(f"unknown 2-D set {name!r}; choose one of: {', '.join(TOYS)}")
    X = X + rng.normal(0, noise, X.shape)
    return X.astype(np.float32), y.astype(np.int64)


#: the bumps of "reg-gauss": centre (x₁, x₂), sign
BUMPS = ((-0.5, -0.5, 1.0), (0.5, 0.5, 1.0), (-0.5, 0.5, -1.0), (0.5, -0.5, -1.0))


def _regression(name: str, n: int, noise: float, rng: np.random.Generator) -> tuple[Any, Any]:
    """n points uniform in [−1, 1]² and their targets: "reg-plane" y = (x₁ + x₂)/2;
    "reg-gauss" y = Σ_c s_c exp(−‖x − c‖² / (2 · 0.25²)) over four bumps c of sign s_c. The
    inputs get Gaussian noise of std ``noise`` after the targets are computed."""
    X = rng.uniform(-1, 1, (n, 2))
    y = (X[:, 0] + X[:, 1]) / 2
    if name == "reg-gauss":
        y = np.zeros(n)
        for a, b, s in BUMPS:
            y += s * np.exp(-((X[:, 0] - a) ** 2 + (X[:, 1] - b) ** 2) / (2 * 0.25**2))
    X = X + rng.normal(0, noise, X.shape)
    return X.astype(np.float32), np.asarray(y, dtype=np.float32)


def _split(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float,
    rng: Any,
    kind: str,
    classes: tuple[str, ...] | None = None,
) -> ExploreData:
    order = rng.permutation(X.shape[0])
    n_test = min(X.shape[0] - 1, round(test_fraction * X.shape[0]))
    test, train = order[:n_test], order[n_test:]
    regression = name in REGRESSIONS
    n_classes = 1 if regression else len(classes) if classes else max(2, int(y.max()) + 1)
    return ExploreData(
        name, X[train], y[train], X[test], y[test], n_classes, kind, regression, classes
    )


def make_data(
    source: str,
    *,
    n: int = 400,
    noise: float = 0.05,
    test_fraction: float = 0.2,
    seed: int = 0,
    points: Any = None,
    array: np.ndarray | None = None,
    classes: tuple[str, ...] | None = None,
) -> ExploreData:
    """The data set the page asked for, with ``n``, ``noise`` and ``test_fraction`` as
    :class:`~.settings.Settings` checked them.

    ``points`` are the drawn points, rows (x, y, class); ``array`` the uploaded array whose
    last column is the class, ``classes`` its classes' names (None: numbers). The digits and
    MNIST keep their own test sets.
    """
    rng = np.random.default_rng(seed)
    if source in TOYS:
        X, y = _toy(source, n, noise, rng)
        return _split(source, X, y, test_fraction, rng, "plane")
    if source in REGRESSIONS:
        X, y = _regression(source, n, noise, rng)
        return _split(source, X, y, test_fraction, rng, "plane")
    if source == "drawn":
        table = _drawn(points)
        X = table[:, :2].astype(np.float32)
        X = X + rng.normal(0, noise, X.shape).astype(np.float32)
        return _split("drawn", X, _labels(table[:, 2]), test_fraction, rng, "plane")
    if source in ("digits", "mnist"):
        from ..io.digits import load_digits

        X_tr, y_tr, X_te, y_te = load_digits() if source == "digits" else _mnist()
        return ExploreData(source, X_tr, y_tr, X_te, y_te, 10, "image")
    if source == "upload":
        if array is None:
            raise ValueError("upload a .npy or .csv file first (last column: the class)")
        X, y = array[:, :-1].astype(np.float32), _labels(array[:, -1])
        side = math.isqrt(X.shape[1])
        kind = "plane" if X.shape[1] == 2 else "image" if side * side == X.shape[1] else "table"
        return _split("upload", X, y, test_fraction, rng, kind, classes)
    raise ValueError(f"unknown data source {source!r}; choose one of: {', '.join(SOURCES)}")


_MNIST: list[Any] = []  # loaded once per process


def _mnist() -> Any:
    from ..io.mnist import load_mnist

    if not _MNIST:
        _MNIST.append(load_mnist(download=False))
    return _MNIST[0]


def _drawn(points: Any) -> np.ndarray:
    """The drawn points as a (n, 3) float64 table of rows (x, y, class), checked."""
    draw = "draw at least 4 points (click the plane; shift-click: class 1)"
    if points is None:
        raise ValueError(draw)
    if not isinstance(points, list) or len(points) > MAX_DRAWN:
        raise ValueError(f"drawn points: a list of at most {MAX_DRAWN} rows [x, y, class]")
    try:
        table = np.array(points, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("drawn points: each row is [x, y, class], three numbers") from None
    if table.ndim != 2 or table.shape[1:] != (3,):
        raise ValueError("drawn points: each row is [x, y, class], three numbers")
    if table.shape[0] < 4:
        raise ValueError(draw)
    if not np.all(np.isfinite(table[:, :2])) or np.max(np.abs(table[:, :2])) > 1e3:
        raise ValueError("drawn points: x and y must be finite numbers in the plane (−1 … 1)")
    return table


def _labels(column: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(column)) or np.any(column != np.round(column)) or column.min() < 0:
        raise ValueError("the class column (the last) must hold whole numbers 0, 1, 2, …")
    if column.max() >= MAX_CLASSES:  # checked before the cast: 1e20 has no int64
        top = f"{column.max():g}"
        raise ValueError(f"at most {MAX_CLASSES} classes; the last column has up to {top}")
    return column.astype(np.int64)


def read_upload(filename: str, content: bytes) -> np.ndarray:
    """The 2-D float array in an uploaded .csv, .npy or .npz file, read by the one table
    reader (:func:`deltaprop.io.tables.read_table`, never unpickled) within the explorer's
    limits; its last column is the class. Raises ValueError saying what is wrong."""
    return read_named_upload(filename, content)[0]


def read_named_upload(filename: str, content: bytes) -> tuple[np.ndarray, Any]:
    """:func:`read_upload`'s array, and the names of its classes (a tuple of str, where the
    file names them, label i being the i-th; else None)."""
    from ..io.tables import Limits, read_table

    limits = Limits(max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_ROWS, max_classes=MAX_CLASSES)
    table = read_table(filename, content, limits=limits)
    if table.y is None or table.X.shape[0] < 4:
        raise ValueError(f"{filename}: need 4 … {MAX_ROWS} rows; got {table.X.shape[0]}")
    return np.column_stack([table.X, table.y]), table.classes
