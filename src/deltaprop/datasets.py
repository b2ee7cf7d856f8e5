"""The data sets deltaprop trains on, by the name users look for them under.

- :func:`load_mnist`: the real MNIST, 60,000 training and 10,000 test images as rows of 784
  floats in [0, 1] with integer labels; found in a path, ``$DELTAPROP_DATA`` or the per-user
  cache, and downloaded (MD5-checked) into the cache when it is in none of them.
- :func:`load_digits`: the small 8x8 digits (1,797 images, UCI, CC BY 4.0) shipped inside
  the package, for a quick offline run with NumPy alone.

Both return an :class:`MNIST` named tuple ``(X_train, y_train, X_test, y_test)``. The readers
themselves, and what they check, live in :mod:`deltaprop.io`.

Examples
--------
>>> from deltaprop.datasets import load_digits
>>> X_train, y_train, X_test, y_test = load_digits()
>>> X_train.shape, X_test.shape
((1500, 64), (297, 64))
"""

from deltaprop.io.digits import load_digits
from deltaprop.io.mnist import MNIST, load_mnist

__all__ = ["MNIST", "load_digits", "load_mnist"]
