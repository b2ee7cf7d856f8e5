"""The network as the mathematics sees it: a configuration, and parameters on an array backend.

:class:`NetworkConfig` names what defines a network besides its parameters (layer sizes, σ's,
cost, initialisation, dtype). :class:`Model` holds the parameters w^l and b^l with the σ
objects and the cost they resolve to, on one array backend: everything the training loop, the
checkpoint files and the insight tools compute with. ``deltaprop.Network`` is a ``Model`` with
the user-facing checks and methods on top.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _validation as v
from ..backends import Backend, get_backend
from .activations import Activation, get_activation
from .backprop import output
from .costs import Cost, get_cost
from .init import INITS
from .workspace import ArrayList, flat_arrays


@dataclass(frozen=True)
class NetworkConfig:
    """What defines a network besides its parameters; validated at construction.

    ``Network(...)`` makes one from its arguments (``net.config``); model files and
    checkpoints store it. Unknown names and combinations a cost is not defined for are refused
    here, with a message saying what to use.

    Parameters
    ----------
    sizes : tuple of int
        Neurons per layer, input first: (784, 30, 10).
    activation : str, default "sigmoid"
        σ of the hidden layers.
    output_activation : str, optional
        σ of the output layer; None: the same as ``activation``.
    cost : str, default "quadratic"
        The per-sample cost C_x.
    init : str, default "normal"
        "normal": N(0, 1); "scaled": weights N(0, 1/n_in).
    dtype : str, default "float32"
        "float32" or "float64", for parameters and computation.
    seed : int, optional
        Seeds the initial weights; None draws fresh entropy.

    Examples
    --------
    >>> config = NetworkConfig((4, 3, 2), output_activation="softmax", cost="cross-entropy")
    >>> config.output_activation, [a.name for a in config.resolve()[0]], config.resolve()[1].name
    ('softmax', ['sigmoid', 'softmax'], 'log-likelihood')
    >>> NetworkConfig((4, 3, 2), activation="softmax")
    Traceback (most recent call last):
    ...
    ValueError: activation 'softmax' is not elementwise, so BP2 cannot use it in hidden layers; ...
    """

    sizes: tuple[int, ...]  # neurons per layer, input first: [784, 30, 10]
    activation: str = "sigmoid"  # σ of the hidden layers
    output_activation: str | None = None  # σ of the output layer; None: same as ``activation``
    cost: str = "quadratic"  # per-sample cost C_x
    init: str = "normal"  # "normal": N(0, 1); "scaled": weights N(0, 1/n_in)
    dtype: str = "float32"  # "float32" or "float64", for parameters and computation
    seed: int | None = None  # seeds the initial weights; None draws fresh entropy

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", v.check_sizes(self.sizes))
        object.__setattr__(self, "dtype", v.check_dtype(self.dtype))
        object.__setattr__(self, "seed", v.check_seed("seed", self.seed))
        if self.output_activation is None:
            object.__setattr__(self, "output_activation", self.activation)
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; choose one of: {', '.join(INITS)}")
        self.resolve()  # raises for unknown names and invalid combinations

    def resolve(self) -> tuple[list[Activation], Cost]:
        """The activation object of each layer l = 2 … L, and the cost object."""
        hidden = get_activation(self.activation)
        output = get_activation(
            self.output_activation or self.activation, argument="output_activation"
        )
        n_hidden = len(self.sizes) - 2
        if n_hidden and not hidden.elementwise:
            raise ValueError(
                f"activation {hidden.name!r} is not elementwise, so BP2 cannot use it in hidden "
                f"layers; use it as output_activation and pick a hidden activation such as "
                f"'sigmoid', 'tanh' or 'relu'"
            )
        return [hidden] * n_hidden + [output], get_cost(self.cost, output)


class Model:
    """Parameters, σ's, cost and array namespace: what training and the insight tools use.

    Parameters
    ----------
    config : NetworkConfig
    weights, biases : lists of arrays
        w^l of shape (n_l, n_{l-1}) and b^l of shape (n_l,) for l = 2 … L, NumPy or the
        backend's arrays; copied (cast to ``config.dtype``) into one flat buffer.
    backend : Backend
        Where the parameters live and the computation runs.

    Attributes
    ----------
    config : NetworkConfig
    sizes : tuple of int
    backend : Backend
    xp : module
        The backend's array namespace.
    sigmas : list of Activation
        σ of each layer l = 2 … L.
    cost_function : Cost
        The per-sample cost C_x (its ``delta`` is BP1).
    weights, biases : lists of arrays
        w^l and b^l for l = 2 … L, views of one flat buffer where the backend allows.

    Examples
    --------
    >>> from deltaprop.backends import get_backend
    >>> config = NetworkConfig((4, 3, 2), output_activation="softmax", cost="cross-entropy")
    >>> weights = [np.zeros((3, 4)), np.zeros((2, 3))]     # w^2, w^3
    >>> biases = [np.zeros(3), np.zeros(2)]                 # b^2, b^3
    >>> model = Model(config, weights, biases, get_backend("numpy"))
    >>> [s.name for s in model.sigmas], model.cost_function.name, model.parameters().flat.shape
    (['sigmoid', 'softmax'], 'log-likelihood', (23,))
    """

    def __init__(
        self, config: NetworkConfig, weights: list[Any], biases: list[Any], backend: Backend
    ) -> None:
        self.config = config
        self.sizes = config.sizes
        self.backend = backend
        self.xp: Any = backend.xp  # the array namespace the core computes with
        self.sigmas, self.cost_function = config.resolve()
        shapes = [tuple(w.shape) for w in weights] + [tuple(b.shape) for b in biases]
        params = flat_arrays(shapes, self.xp, backend.dtype(config.dtype), backend.device)
        for p, value in zip(params, [*weights, *biases]):
            p[...] = backend.asarray(value, config.dtype)
        self._params = params
        n = len(weights)
        self.weights = list(params[:n])
        self.biases = list(params[n:])

    @classmethod
    def from_parameters(
        cls,
        config: NetworkConfig,
        weights: list[Any],
        biases: list[Any],
        backend: Any = "numpy",
        device: Any = None,
    ) -> Any:
        """A model (or ``Network``, called on it) with the given configuration and parameters
        (copied, cast to its dtype), on ``backend`` and ``device``; the parameters may be NumPy
        arrays or the backend's.

        Examples
        --------
        >>> config = NetworkConfig((2, 1))
        >>> Model.from_parameters(config, [np.ones((1, 2))], [np.zeros(1)]).weights[0]
        array([[1., 1.]], dtype=float32)
        >>> Model.from_parameters(config, [np.ones((2, 2))], [np.zeros(1)])
        Traceback (most recent call last):
        ...
        ValueError: parameters do not match sizes [2, 1]: weights must have shapes [(1, 2)] ...
        """
        resolved = get_backend(backend, device)
        weights = [w if hasattr(w, "shape") else np.asarray(w) for w in weights]
        biases = [b if hasattr(b, "shape") else np.asarray(b) for b in biases]
        expected = list(zip(config.sizes[1:], config.sizes[:-1]))
        if [tuple(w.shape) for w in weights] != expected or [tuple(b.shape) for b in biases] != [
            (n,) for n, _ in expected
        ]:
            raise ValueError(
                f"parameters do not match sizes {list(config.sizes)}: weights must have shapes "
                f"{expected} and biases {[(n,) for n, _ in expected]}"
            )
        model = cls.__new__(cls)
        Model.__init__(model, config, list(weights), list(biases), resolved)
        return model

    def parameters(self) -> ArrayList:
        """[w^2 … w^L, b^2 … b^L]: the arrays training updates in place, as views of one
        flat buffer (``.flat``) where the backend allows. Arrays a user put into ``weights``
        or ``biases`` in place of the originals are copied into a fresh buffer first."""
        current = [*self.weights, *self.biases]
        if len(current) != len(self._params) or any(
            p is not q for p, q in zip(current, self._params)
        ):
            Model.__init__(self, self.config, self.weights, self.biases, self.backend)
        return self._params

    def to_numpy(self, array: Any) -> np.ndarray:
        """``array`` (a parameter or result of this network) as a NumPy array."""
        return self.backend.to_numpy(array)

    @property
    def n_parameters(self) -> int:
        """Number of weights and biases."""
        return sum(math.prod(p.shape) for p in [*self.weights, *self.biases])

    # -- data in, figures out --------------------------------------------------------------

    def check_data(self, X: Any, Y: Any, prefix: str = "") -> tuple[Any, Any]:
        """X and the targets checked, converted to the network's dtype and moved (once) to
        its backend and device; class labels one-hot encoded. ``prefix`` names the data in
        error messages ("validation ")."""
        X = self.backend.inputs(X, self.sizes[0], self.config.dtype, name=f"{prefix}X")
        kinds = {
            "softmax": self.sigmas[-1].name == "softmax",
            "probabilities": self.config.cost in ("cross-entropy", "log-likelihood"),
        }
        Y = self.backend.targets(
            Y, X.shape[0], self.sizes[-1], self.config.dtype, name=f"{prefix}y", **kinds
        )
        return X, Y

    def blocks(self, n: int) -> Iterator[slice]:
        """Row blocks of ``n`` rows that keep each layer's temporary array near 4M numbers."""
        rows = max(1, (1 << 22) // max(self.sizes))
        for start in range(0, n, rows):
            yield slice(start, min(n, start + rows))

    def output(self, x: Any) -> tuple[Any, Any]:
        """z^L and a^L of the rows of ``x`` (a checked array), by eq. 25 layer by layer."""
        return output(self.weights, self.biases, self.sigmas, x, self.xp)

    def evaluate_arrays(self, X: Any, Y: Any) -> dict[str, Any]:
        """Cost and correct rows on arrays already checked by :meth:`check_data`: one
        forward pass over blocks of rows gives both.

        Returns ``cost`` (the mean cost), ``n`` (rows) and, with several outputs, ``correct``
        (rows whose largest output is the target's largest entry) and ``accuracy``.
        """
        xp, n = self.xp, X.shape[0]
        classes = self.sizes[-1] > 1
        total, correct = 0.0, 0
        for s in self.blocks(n):
            z, a = self.output(X[s, :])
            total += float(xp.sum(self.cost_function.value(z, a, Y[s, :], xp)))
            if classes:
                hits = xp.argmax(a, axis=1) == xp.argmax(Y[s, :], axis=1)
                correct += int(xp.sum(xp.astype(hits, xp.int64)))
        out: dict[str, Any] = {"cost": total / max(n, 1), "n": n}
        if classes:
            out["correct"] = correct
            out["accuracy"] = correct / max(n, 1)
        return out
