"""The explorer's data: 2-D toy sets, points drawn on the page, the 8×8 digits, MNIST and
the user's own arrays, cut into a training and a test part.

Every set is an :class:`ExploreData` of float32 inputs in a small range and integer class
labels 0 … k−1 (with their names, where an uploaded file names its classes); the 2-D sets are
"plane" data (the page draws the decision surface), the digits and MNIST "image" data (the
page draws the first layer's weights as images). The numbers of points, the noise and the
test fraction are checked where they are declared, by :class:`~.settings.Settings`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

#: the 2-D sets the page offers, by name
TOYS = ("circle", "xor", "gaussian", "spiral")
#: every data source the page offers
SOURCES = (*TOYS, "drawn", "digits", "mnist", "upload")
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
    y_train: np.ndarray  # (n_train,)
    X_test: np.ndarray  # (n_test, d)
    y_test: np.ndarray  # (n_test,)
    n_classes: int
    kind: str  # "plane" (2-D), "image" (a square number of inputs) or "table"
    classes: tuple[str, ...] | None = None  # the name of each class, where the file names them

    @property
    def n_features(self) -> int:
        """d, the width of the input layer."""
        return int(self.X_train.shape[1])


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


class Upload(NamedTuple):
    """An uploaded file's rows (the last column the class) and its classes' names, if any."""

    array: np.ndarray  # (n, d + 1) float64
    classes: tuple[str, ...] | None = None


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
    n_classes = len(classes) if classes else max(2, int(y.max()) + 1)
    return ExploreData(name, X[train], y[train], X[test], y[test], n_classes, kind, classes)


def make_data(
    source: str,
    *,
    n: int = 400,
    noise: float = 0.05,
    test_fraction: float = 0.2,
    seed: int = 0,
    points: Any = None,
    array: Upload | None = None,
) -> ExploreData:
    """The data set the page asked for.

    ``points`` are the drawn points, rows (x, y, class); ``array`` the uploaded file, whose
    last column is the class. The digits and MNIST keep their own test sets. ``n``, ``noise``
    and ``test_fraction`` are the page's, checked by :class:`~.settings.Settings`.
    """
    rng = np.random.default_rng(seed)
    if source in TOYS:
        X, y = _toy(source, n, noise, rng)
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
        table = array.array
        X, y = table[:, :-1].astype(np.float32), _labels(table[:, -1])
        side = math.isqrt(X.shape[1])
        kind = "plane" if X.shape[1] == 2 else "image" if side * side == X.shape[1] else "table"
        return _split("upload", X, y, test_fraction, rng, kind, array.classes)
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


def read_upload(filename: str, content: bytes) -> Upload:
    """The rows of an uploaded .csv, .npy or .npz file as a 2-D float array whose last
    column is the class, with the classes' names where the file names them (read by the one
    table reader, :func:`deltaprop.io.tables.read_table`, never unpickled, within the
    explorer's limits). Raises ValueError saying what is wrong."""
    from ..io.tables import Limits, read_table

    limits = Limits(max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_ROWS, max_classes=MAX_CLASSES)
    table = read_table(filename, content, limits=limits)
    if table.y is None or table.X.shape[0] < 4:
        raise ValueError(f"{filename}: need 4 … {MAX_ROWS} rows; got {table.X.shape[0]}")
    return Upload(np.column_stack([table.X, table.y]), table.classes)
