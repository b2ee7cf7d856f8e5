"""Initial weights and biases.

Drawn on the host with NumPy's seeded generator, in float64, then cast: the same seed gives the
same starting network for every dtype and every array library (random numbers are not part of
the Array API standard, so this is the one place the core reaches for NumPy directly).
"""

from __future__ import annotations

import numpy as np

INITS = ("normal", "scaled")
"""The initialisations :func:`init_parameters` knows."""


def init_parameters(
    sizes: tuple[int, ...], init: str, rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights w^l of shape (n_l, n_{l-1}) and biases b^l of shape (n_l,) for l = 2 … L.

    Parameters
    ----------
    sizes : tuple of int
        Neurons per layer, input first.
    init : {"normal", "scaled"}
        ``"normal"``: every weight and bias from N(0, 1), as the classic reference does.
        ``"scaled"``: weights from N(0, 1/n_{l-1}), biases from N(0, 1), so that z^l starts
        with a standard deviation near 1 and sigmoid neurons do not start saturated.
    rng : numpy.random.Generator
        The source of the random numbers (seed it for a reproducible start).

    Returns
    -------
    weights : list of ndarray
        w^l of shape (n_l, n_{l-1}), float64.
    biases : list of ndarray
        b^l of shape (n_l,), float64.

    Examples
    --------
    >>> weights, biases = init_parameters((4, 3, 2), "scaled", np.random.default_rng(0))
    >>> [w.shape for w in weights], [b.shape for b in biases]
    ([(3, 4), (2, 3)], [(3,), (2,)])
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of: {', '.join(INITS)}")
    weights, biases = [], []
    for n_prev, n_l in zip(sizes[:-1], sizes[1:]):  # n_{l-1} inputs into layer l's n_l neurons
        b = rng.standard_normal(n_l)
        w = rng.standard_normal((n_l, n_prev))
        if init == "scaled":
            w /= np.sqrt(n_prev)
        weights.append(w)
        biases.append(b)
    return weights, biases
