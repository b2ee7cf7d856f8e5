"""Input and output: the IDX reader, MNIST and other datasets, model files.

- :mod:`~deltaprop.io.idx`: :func:`read_idx`, :func:`read_idx_images`, :func:`read_idx_labels`
  read IDX files (raw or gzip'd), trusting nothing in them.
- :mod:`~deltaprop.io.mnist`: :func:`load_mnist` finds MNIST (a path, ``$DELTAPROP_DATA``, or
  the per-user cache, downloading into the cache from public mirrors when needed).
- :mod:`~deltaprop.io.digits`: :func:`load_digits`, the small 8x8 digits shipped with the
  package (UCI, CC BY 4.0), read with NumPy alone.
- :mod:`~deltaprop.io.tables`: :func:`read_table`, the user's own ``.csv``, ``.npy`` and
  ``.npz`` tables (samples as rows, the class last), every bad cell named by row and column.
- :mod:`~deltaprop.io.npzfile`: :func:`write_npz` and :func:`read_npz`, atomic and validating
  ``.npz`` files for models and checkpoints; :func:`require` checks their metadata.
- :mod:`~deltaprop.io.download`: HTTP downloads with an MD5 check, atomically.

Every malformed file raises :class:`deltaprop.errors.FormatError` naming the file.
"""

from deltaprop.io.digits import load_digits
from deltaprop.io.download import DownloadError
from deltaprop.io.idx import read_idx, read_idx_images, read_idx_labels
from deltaprop.io.mnist import MNIST, load_mnist
from deltaprop.io.npzfile import read_npz, require, write_npz
from deltaprop.io.tables import Table, read_table

__all__ = [
    "MNIST",
    "DownloadError",
    "Table",
    "load_digits",
    "load_mnist",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "read_npz",
    "read_table",
    "require",
    "write_npz",
]
