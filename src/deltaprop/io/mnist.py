"""The MNIST database of handwritten digits: finding, downloading and loading it.

Where :func:`load_mnist` looks, in order:

1. the ``path`` argument, a directory;
2. the directory named by the environment variable ``DELTAPROP_DATA``;
3. the per-user cache, ``$XDG_CACHE_HOME/deltaprop/mnist`` or ``~/.cache/deltaprop/mnist``
   (see :func:`cache_dir`), when it holds all four files;
4. in a source checkout of deltaprop, the copy the repository ships in ``data/mnist/``
   (:data:`CHECKOUT_DIR`), so that a fresh clone trains offline;
5. a download into the cache.

In a directory given by the user (1 or 2) each file may be gzip'd or raw, under the standard
name (``train-images-idx3-ubyte.gz``, ``train-images-idx3-ubyte``) or the dotted spelling
(``train-images.idx3-ubyte``). Such files are validated structurally but not checksummed
(they may have been re-compressed), and if any is missing the error lists them: an explicit
location never silently falls back to a download elsewhere.

The repository's copy is re-compressed (its decompressed bytes are the canonical files, as
``data/mnist/README.md`` records and the test suite checks), so it is read like a directory
the user gave. Only the cache is downloaded into, and it holds only the canonical ``.gz``
files, whose MD5 is checked every time: a cached file that no longer matches is fetched
again. Downloads try each of :data:`MIRRORS` in turn and are written atomically (see
:mod:`deltaprop.io.download`).
Tests may replace :data:`MIRRORS`, :data:`MD5`, :data:`TIMEOUT` and :data:`CHECKOUT_DIR`; they
are read at call time.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import DTypeLike

from deltaprop.errors import FormatError
from deltaprop.io.download import DownloadError, Progress, fetch_from_mirrors, file_md5
from deltaprop.io.idx import read_idx_header, read_idx_images, read_idx_labels

__all__ = [
    "CHECKOUT_DIR",
    "MD5",
    "MIRRORS",
    "MNIST",
    "DownloadError",
    "cache_dir",
    "download_mnist",
    "load_mnist",
]

#: base URLs serving the four canonical .gz files, tried in order
MIRRORS: list[str] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://yann.lecun.com/exdb/mnist/",
]
#: MD5 of the canonical .gz files that the mirrors serve
MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
#: seconds to wait for a mirror's connection and for each read
TIMEOUT = 30.0
ENV_VAR = "DELTAPROP_DATA"
#: where a source checkout keeps its copy of MNIST: ``data/mnist/`` at the repository's root
#: (``src/deltaprop/io/mnist.py`` is three levels below it); absent in an installed package
CHECKOUT_DIR: Path | None = Path(__file__).resolve().parents[3] / "data" / "mnist"
#: the largest image array load_mnist makes, in bytes of float32 or float64 (a file's uint8
#: pixels take 4 or 8 times as much once converted)
MAX_FLOAT_BYTES = 1 << 31

# the four files, by their standard names without ".gz"
_STEMS = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_SIDE = 28  # images are 28 x 28 pixels


class MNIST(NamedTuple):
    """A train/test split, batch-first. :func:`load_digits` returns the same layout.

    Attributes
    ----------
    X_train : numpy.ndarray, shape (n_train, n_features)
        Training inputs in [0, 1], float32 or float64, C-contiguous. For MNIST
        n_train = 60000 and n_features = 784 (28 x 28 pixels, row by row).
    y_train : numpy.ndarray of int64, shape (n_train,)
        Training labels, 0-9.
    X_test : numpy.ndarray, shape (n_test, n_features)
        Test inputs, as ``X_train``; n_test = 10000 for MNIST.
    y_test : numpy.ndarray of int64, shape (n_test,)
        Test labels, 0-9.

    Examples
    --------
    >>> data = load_digits()                  # an MNIST tuple, like load_mnist()
    >>> X_train, y_train, X_test, y_test = data
    >>> X_train.shape, data.y_test.shape
    ((1500, 64), (297,))
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


# The generated __new__ belongs to no module; name this one so that documentation tools can
# resolve the field types (``np.ndarray``) where they are defined.
MNIST.__new__.__module__ = __name__


def float_dtype(dtype: DTypeLike) -> np.dtype:
    """Check that ``dtype`` names float32 or float64 and return it as a NumPy dtype."""
    if dtype is not None:  # np.dtype(None) would quietly mean float64
        try:
            resolved = np.dtype(dtype)
        except (TypeError, ValueError):
            pass
        else:
            if resolved in (np.dtype(np.float32), np.dtype(np.float64)):
                return resolved
    raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")


def cache_dir() -> Path:
    """The per-user download cache: ``$XDG_CACHE_HOME/deltaprop/mnist``, where that variable
    is set to an absolute path, else ``~/.cache/deltaprop/mnist``."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "deltaprop" / "mnist"


def _spellings(stem: str) -> list[str]:
    dotted = stem.replace("-idx", ".idx")  # train-images.idx3-ubyte
    return [stem + ".gz", stem, dotted, dotted + ".gz"]


def _find_in(directory: Path, source: str, alternative: str) -> dict[str, Path]:
    """The four files in a user-given directory, or FileNotFoundError naming what is missing."""
    if not directory.is_dir():
        raise FileNotFoundError(
            f"MNIST directory {directory} (from {source}) does not exist or is not a directory"
        )
    found: dict[str, Path] = {}
    for key, stem in _STEMS.items():
        for name in _spellings(stem):
            if (directory / name).is_file():
                found[key] = directory / name
                break
    missing = [stem for key, stem in _STEMS.items() if key not in found]
    if missing:
        raise FileNotFoundError(
            f"MNIST file(s) missing from {directory} (from {source}): {', '.join(missing)} "
            "(each may end in .gz or not, and may be spelled like train-images.idx3-ubyte). "
            f"Put the files there, or {alternative} to use the cache {cache_dir()} "
            "('deltaprop download' fills it)"
        )
    return found


def _complete(directory: Path | None, md5: bool) -> dict[str, Path] | None:
    """The four canonical .gz files in ``directory`` (MD5-checked when ``md5``), or None if
    any is missing or does not match."""
    if directory is None:
        return None
    found = {key: directory / (stem + ".gz") for key, stem in _STEMS.items()}
    for path in found.values():
        if not path.is_file():
            return None
        if md5 and MD5.get(path.name) not in (None, file_md5(path)):
            return None
    return found


def _cached(directory: Path, download: bool) -> dict[str, Path]:
    """The four canonical .gz files in the cache, downloading any missing or corrupt one."""
    found: dict[str, Path] = {}
    for key, stem in _STEMS.items():
        name = stem + ".gz"
        target = directory / name
        md5 = MD5.get(name)
        if target.is_file() and (md5 is None or file_md5(target) == md5):
            found[key] = target
            continue
        problem = "does not match its MD5" if target.exists() else "is not there"
        if not download:
            detail = f" ({target.name} {problem})" if target.exists() else ""
            raise FileNotFoundError(
                f"MNIST is not here: not in ${ENV_VAR} (unset), the cache {directory}{detail} "
                "or a source checkout's data/mnist. Get it with "
                f"'deltaprop download' while online, or set {ENV_VAR} to a directory of the four "
                f"files; {_OFFLINE}"
            )
        directory.mkdir(parents=True, exist_ok=True)
        try:
            fetch_from_mirrors(MIRRORS, name, target, md5, timeout=TIMEOUT)
        except DownloadError as exc:
            why = exc.attempts[0][1] if exc.attempts else str(exc)
            raise DownloadError(
                f"MNIST is not here and could not be downloaded into {directory} ({why}): "
                f"set {ENV_VAR} (or --data-dir DIR) to a directory holding the four MNIST "
                f"files; {_OFFLINE}",
                exc.attempts,
            ) from exc
        found[key] = target
    return found


def download_mnist(
    directory: str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[str], Progress | None] | None = None,
) -> Path:
    """Download the four MNIST files into ``directory`` (default: the cache), checking each
    file's MD5; files already there with the right MD5 are kept.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        Where to put them (made if missing); default :func:`cache_dir`, where
        :func:`load_mnist` looks.
    progress : callable, optional
        ``progress(filename)`` returns the callback of that file's download (see
        :func:`deltaprop.io.download.fetch`), or None.

    Returns
    -------
    pathlib.Path
        The directory holding the four checked files.

    Raises
    ------
    DownloadError
        If a file could not be had from any of :data:`MIRRORS`; the message says why.

    Examples
    --------
    Four files already in place (tiny stand-ins here, their MD5s recorded) are kept as
    they are, with no download:

    >>> import deltaprop.io.mnist as mnist, os
    >>> from deltaprop.io.download import file_md5
    >>> os.mkdir("here")
    >>> checksums = {}
    >>> for name in mnist.MD5:
    ...     _ = open(f"here/{name}", "wb").write(name.encode())
    ...     checksums[name] = file_md5(f"here/{name}")
    >>> saved, mnist.MD5 = mnist.MD5, checksums
    >>> download_mnist("here").name
    'here'
    >>> mnist.MD5 = saved
    """
    target = Path(directory) if directory is not None else cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name, md5 in MD5.items():
        path = target / name
        if path.is_file() and file_md5(path) == md5:
            continue
        fetch_from_mirrors(
            MIRRORS, name, path, md5, timeout=TIMEOUT, progress=progress and progress(name)
        )
    return target


# the way to go on without MNIST at all, for the two errors above
_OFFLINE = "or train now on the 8x8 digits shipped with deltaprop: deltaprop train --dataset digits"


def _check_headers(images_path: Path, labels_path: Path, dtype: np.dtype) -> None:
    """Compare the two files' headers, and size the float array, before reading either body."""
    _, image_dims = read_idx_header(images_path)
    _, label_dims = read_idx_header(labels_path)
    if len(image_dims) == 3 and image_dims[1:] != (_SIDE, _SIDE):
        raise FormatError(
            f"{images_path}: images are {image_dims[1]}x{image_dims[2]} pixels, "
            f"expected {_SIDE}x{_SIDE}"
        )
    if len(image_dims) == 3 and len(label_dims) == 1 and image_dims[0] != label_dims[0]:
        raise FormatError(
            f"{images_path} holds {image_dims[0]} images but {labels_path} holds "
            f"{label_dims[0]} labels; the two files must belong to the same set"
        )
    needed = math.prod(image_dims) * dtype.itemsize
    if needed > MAX_FLOAT_BYTES:
        raise FormatError(
            f"{images_path}: {image_dims[0]} images would take {needed / 2**30:.1f} GiB as "
            f"{dtype.name}, more than the {MAX_FLOAT_BYTES / 2**30:.0f} GiB allowed "
            "(MNIST's training set takes 0.2 GiB as float32)"
        )


#: where the images' array starts: on a multiple of 64 bytes (a cache line), which XLA's CPU
#: client needs to read an array in place, so backend="jax" keeps no second copy of X
_ALIGN = 64


def _aligned_empty(shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous array whose first number is on a multiple of _ALIGN."""
    size = math.prod(shape) * dtype.itemsize
    raw = np.empty(size + _ALIGN, dtype=np.uint8)
    start = -raw.ctypes.data % _ALIGN
    return raw[start : start + size].view(dtype).reshape(shape)


def _load_split(images_path: Path, labels_path: Path, dtype: np.dtype) -> tuple[np.ndarray, ...]:
    _check_headers(images_path, labels_path, dtype)  # the magic numbers are checked below
    images = read_idx_images(images_path)  # (n, 28, 28) uint8
    labels = read_idx_labels(labels_path)  # (n,) uint8
    if len(labels) and labels.max() > 9:
        index = int(np.argmax(labels > 9))
        raise FormatError(
            f"{labels_path}: label {labels[index]} at index {index} is out of range; "
            "expected digits 0-9"
        )
    X = _aligned_empty((len(images), _SIDE * _SIDE), dtype)  # (n, 784)
    np.copyto(X, images.reshape(X.shape))  # exact: every byte is a float
    X /= 255  # exact pixel / 255, correctly rounded in the target dtype
    return X, labels.astype(np.int64)


def _files(path: str | os.PathLike[str] | None, given_as: str, download: bool) -> dict[str, Path]:
    """The four files, looked for in the order of the module documentation."""
    if path is not None:
        alternative = f"give no {given_as} and leave {ENV_VAR} unset"
        return _find_in(Path(path), given_as, alternative)
    if os.environ.get(ENV_VAR):
        return _find_in(Path(os.environ[ENV_VAR]), ENV_VAR, f"unset {ENV_VAR}")
    cache = cache_dir()
    found = _complete(cache, md5=True) or _complete(CHECKOUT_DIR, md5=False)
    return found or _cached(cache, download)


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    *,
    dtype: DTypeLike = "float32",
    download: bool = True,
    given_as: str = "the path argument",
) -> MNIST:
    """Load MNIST: 60,000 training and 10,000 test images of handwritten digits.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A directory holding the four IDX files. If not given, ``$DELTAPROP_DATA`` is used,
        and if that is unset, the per-user cache, a source checkout's ``data/mnist/``, and
        then a download into the cache (see the module documentation).
    dtype : {"float32", "float64"}, optional
        The floating-point type of the images.
    download : bool, optional
        Whether to download files missing from (or corrupt in) the cache. Never used for
        ``path`` or ``$DELTAPROP_DATA``: files missing there are an error.
    given_as : str, optional
        How messages name ``path`` (the command line gives ``"--data-dir"``).

    Returns
    -------
    MNIST
        ``(X_train, y_train, X_test, y_test)``: X of shape (60000, 784) and (10000, 784),
        pixel / 255 in [0, 1], C-contiguous; y of int64, shape (60000,) and (10000,).

    Raises
    ------
    FileNotFoundError
        If files are missing from ``path`` or ``$DELTAPROP_DATA`` (the message lists them),
        or from the cache when ``download=False``.
    DownloadError
        If a download is needed and every mirror fails; the message lists the mirrors tried
        with their errors and where to put the files instead.
    deltaprop.errors.FormatError
        If a file is malformed, the images are not 28x28, image and label counts differ or
        a label is outside 0-9.
    ValueError
        If ``dtype`` is not float32 or float64.

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = load_mnist(download=False)  # found where it looks
    >>> X_train.shape, X_train.dtype, X_test.shape, y_test[:5].tolist()
    ((60000, 784), dtype('float32'), (10000, 784), [7, 2, 1, 0, 4])
    """
    float_type = float_dtype(dtype)
    files = _files(path, given_as, download)
    X_train, y_train = _load_split(files["train_images"], files["train_labels"], float_type)
    X_test, y_test = _load_split(files["test_images"], files["test_labels"], float_type)
    return MNIST(X_train, y_train, X_test, y_test)
