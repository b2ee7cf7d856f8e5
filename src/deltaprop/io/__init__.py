"""Input and output: the IDX reader, MNIST and other datasets, model files.

- :mod:`~deltaprop.io.idx`: :func:`read_idx`, :func:`read_idx_images`, :func:`read_idx_labels`
  read IDX files (raw or gzip'd), trusting nothing in them.
- :mod:`~deltaprop.io.mnist`: :func:`load_mnist` finds MNIST (a path, ``$DELTAPROP_DATA``, or
  the per-user cache, downloading into the cache from public mirrors when needed).
- :mod:`~deltaprop.io.digits`: :func:`load_digits`, scikit-learn's small 8x8 digits.
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

__all__ = [
    "MNIST",
    "DownloadError",
    "load_digits",
    "load_mnist",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "read_npz",
    "require",
    "write_npz",
]
