"""Data every process of a run can read by rows: arrays memory-mapped from ``.npy`` files.

A data-parallel run reads each process's rows by index; from a memory-mapped file that costs
each process only the rows it reads. :func:`shared_arrays` has rank 0 load a data set once
and write its arrays as ``.npy`` files (named by a digest of their contents, so a later run
finds them), and every process maps them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_write
from .comm import Communicator


def arrays_dir() -> Path:
    """Where data sets are kept as ``.npy`` files: ``deltaprop/arrays`` in the per-user cache
    (``$XDG_CACHE_HOME``, else ``~/.cache``), beside the MNIST download cache."""
    from ..io.mnist import cache_dir

    return cache_dir().parent / "arrays"


def digest(array: np.ndarray) -> str:
    """A digest of an array's dtype, shape and contents."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{array.dtype.str}{array.shape}".encode())
    h.update(np.ascontiguousarray(array).data)
    return h.hexdigest()


def write_arrays(arrays: dict[str, np.ndarray], directory: Path) -> dict[str, str]:
    """Write each array to ``directory/NAME-DIGEST.npy`` unless it is there; return the paths.

    Files are written atomically, so processes never map a half-written one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, array in arrays.items():
        path = directory / f"{name}-{digest(array)}.npy"
        if not path.is_file():
            with atomic_write(path) as file:
                np.save(file, np.ascontiguousarray(array), allow_pickle=False)
        paths[name] = os.fspath(path)
    return paths


def shared_arrays(
    comm: Communicator,
    load: Callable[[], Any],
    directory: Path | None = None,
) -> dict[str, np.ndarray]:
    """The arrays of the data set ``load()`` returns (a NamedTuple such as ``MNIST``),
    memory-mapped read-only on every process.

    Only rank 0 calls ``load`` and holds the whole data set, once, while writing the files;
    afterwards each process's memory holds only the rows it reads. An error on rank 0
    (missing files, say) is raised on every process.
    """

    def prepare() -> dict[str, str]:
        data = load()
        return write_arrays(dict(data._asdict()), directory or arrays_dir())

    paths = comm.on_root("preparing the data", prepare)
    return {name: np.load(path, mmap_mode="r", allow_pickle=False) for name, path in paths.items()}
