"""``Network``: the parameters and configuration of a feedforward network.

A thin object around the functional core: the forward pass and BP1–BP4 live in
``deltaprop.core.backprop``, the training loop in ``deltaprop.training.loop``. ``Network``
holds the weights and biases, checks what users pass in, and delegates. Its arrays belong to
a backend (``deltaprop.backends``): NumPy by default, or CuPy or PyTorch, on the CPU or a GPU.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validation as v
from .backends import BACKENDS, Backend, get_backend
from .core.activations import Activation, get_activation
from .core.backprop import backprop as _backprop
from .core.backprop import forward
from .core.costs import Cost, get_cost
from .core.init import INITS, init_parameters
from .core.workspace import ArrayList, flat_arrays
from .training.callbacks import Callback
from .training.config import TrainConfig
from .training.history import History
from .training.optimizers import Optimizer
from .training.schedules import Schedule


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


class Network:
    """A feedforward network trained by backpropagation.

    Parameters
    ----------
    sizes : sequence of int
        Neurons per layer, input layer first, e.g. ``[784, 30, 10]``.
    activation : str, default "sigmoid"
        σ of the hidden layers: "sigmoid", "tanh", "relu" or "identity".
    output_activation : str, optional
        σ of the output layer (also "softmax"); defaults to ``activation``.
    cost : str, default "quadratic"
        "quadratic" or "cross-entropy" (with softmax outputs: the log-likelihood cost).
    init : str, default "normal"
        "normal" draws weights and biases from N(0, 1); "scaled" draws weights from
        N(0, 1/n_{l-1}).
    dtype : str, default "float32"
        "float32" or "float64".
    seed : int, optional
        Seeds the initial parameters.
    backend : {"numpy", "cupy", "torch"} or an Array API namespace, default "numpy"
        The array library that holds the parameters and computes (see ``deltaprop.backends``).
    device : str, optional
        Where the arrays live: "cpu" or "cuda" / "cuda:N" for backend "torch"; the GPU
        number or "cuda:N" for "cupy". None: the backend's default.

    Attributes
    ----------
    sizes : tuple of int
    weights : list of arrays
        w^l for l = 2 … L, shape (n_l, n_{l-1}): ``weights[0]`` is w^2. Training updates
        these arrays in place (they are views of one flat buffer, where the backend allows).
    biases : list of arrays
        b^l for l = 2 … L, shape (n_l,).
    config : NetworkConfig
    backend : Backend
        The array library and device; ``xp`` is its namespace.

    Examples
    --------
    >>> net = Network([784, 30, 10], seed=1)
    >>> [w.shape for w in net.weights]
    [(30, 784), (10, 30)]
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        cost: str = "quadratic",
        init: str = "normal",
        dtype: str = "float32",
        seed: int | None = None,
        backend: Any = "numpy",
        device: Any = None,
    ) -> None:
        resolved = get_backend(backend, device)
        config = NetworkConfig(
            v.check_sizes(sizes),
            activation,
            output_activation,
            cost,
            init,
            dtype,
            seed,
        )
        weights, biases = init_parameters(config.sizes, config.init, np.random.default_rng(seed))
        self._setup(config, weights, biases, resolved)

    def _setup(
        self, config: NetworkConfig, weights: list[Any], biases: list[Any], backend: Backend
    ) -> None:
        self.config = config
        self.sizes = config.sizes
        self.backend = backend
        self.xp: Any = backend.xp  # the array namespace the core computes with
        self.activation_functions, self.cost_function = config.resolve()
        shapes = [tuple(w.shape) for w in weights] + [tuple(b.shape) for b in biases]
        params = flat_arrays(shapes, self.xp, backend.dtype(config.dtype), backend.device)
        for p, value in zip(params, [*weights, *biases]):
            p[...] = backend.asarray(value, config.dtype)
        self._params = params
        n = len(weights)
        self.weights = list(params[:n])
        self.biases = list(params[n:])

    def _parameters(self) -> ArrayList:
        """[w^2 … w^L, b^2 … b^L]: the arrays training updates in place, as views of one
        flat buffer where the backend allows. Arrays a user put into ``weights`` or
        ``biases`` in place of the originals are copied into a fresh buffer first."""
        current = [*self.weights, *self.biases]
        if len(current) != len(self._params) or any(
            p is not q for p, q in zip(current, self._params)
        ):
            self._setup(self.config, self.weights, self.biases, self.backend)
        return self._params

    def __getstate__(self) -> dict[str, Any]:
        # Pickled (and deep-copied) as configuration, NumPy parameters and the backend's name:
        # modules and views of the one parameter buffer do not survive pickling as they are.
        b = self.backend
        return {
            "config": self.config,
            "weights": [self.to_numpy(w) for w in self.weights],
            "biases": [self.to_numpy(b) for b in self.biases],
            "backend": (b.name, b.device),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        import importlib

        name, device = state["backend"]
        namespace = name if name in BACKENDS else importlib.import_module(name)
        self._setup(state["config"], state["weights"], state["biases"],
                    get_backend(namespace, device))  # fmt: skip

    @classmethod
    def from_parameters(
        cls,
        config: NetworkConfig,
        weights: list[Any],
        biases: list[Any],
        backend: Any = "numpy",
        device: Any = None,
    ) -> Network:
        """A network with the given configuration and parameters (copied, cast to its dtype),
        on ``backend`` and ``device``; the parameters may be NumPy arrays or the backend's."""
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
        net = cls.__new__(cls)
        net._setup(config, list(weights), list(biases), resolved)
        return net

    # -- inspection ----------------------------------------------------------------------

    def __repr__(self) -> str:
        c = self.config
        return (
            f"Network({list(c.sizes)}, activation={c.activation!r}, "
            f"output_activation={c.output_activation!r}, cost={c.cost!r}, dtype={c.dtype!r})"
        )

    def to_numpy(self, array: Any) -> np.ndarray:
        """``array`` (a parameter or result of this network) as a NumPy array."""
        return self.backend.to_numpy(array)

    @property
    def n_parameters(self) -> int:
        """Number of weights and biases."""
        return sum(math.prod(p.shape) for p in [*self.weights, *self.biases])

    def copy(self, dtype: str | None = None) -> Network:
        """An independent copy on the same backend, optionally in another dtype."""
        config = self.config
        if dtype is not None:
            config = NetworkConfig(**{**config.__dict__, "dtype": dtype})
        return Network.from_parameters(config, self.weights, self.biases, self.backend)

    def to(self, backend: Any, device: Any = None) -> Network:
        """An independent copy on another backend or device, e.g. ``net.to("torch", "cuda")``."""
        weights = [self.to_numpy(w) for w in self.weights]
        biases = [self.to_numpy(b) for b in self.biases]
        return Network.from_parameters(self.config, weights, biases, backend, device)

    # -- the forward pass ----------------------------------------------------------------

    def _blocks(self, n: int) -> Iterator[slice]:
        """Row blocks that keep each layer's temporary (rows, n_l) array near 4M numbers."""
        rows = max(1, (1 << 22) // max(self.sizes))
        for start in range(0, n, rows):
            yield slice(start, min(n, start + rows))

    def feedforward(self, X: Any) -> Any:
        """a^L for every row of X (eq. 25 layer by layer).

        Parameters
        ----------
        X : array of shape (n_samples, sizes[0])
            NumPy or the backend's array.

        Returns
        -------
        array of shape (n_samples, sizes[-1]), of the network's backend
        """
        X = self.backend.inputs(X, self.sizes[0], self.config.dtype)
        blocks = [self._output(X[s, :])[1] for s in self._blocks(X.shape[0])]
        return blocks[0] if len(blocks) == 1 else self.xp.concat(blocks)

    def _output(self, x: Any) -> tuple[Any, Any]:
        zs, a_list = forward(self.weights, self.biases, self.activation_functions, x, self.xp)
        return zs[len(zs) - 1], a_list[len(zs)]

    def predict(self, X: Any) -> Any:
        """The predicted class of every row: the index of the largest output neuron
        (for a single output neuron, 1 where a^L > 0.5). Shape (n_samples,), int64, of the
        network's backend."""
        a, xp = self.feedforward(X), self.xp
        if a.shape[1] == 1:
            return xp.astype(a[:, 0] > 0.5, xp.int64)
        return xp.astype(xp.argmax(a, axis=1), xp.int64)

    # -- cost and gradient ---------------------------------------------------------------

    def _check_xy(self, X: Any, Y: Any, prefix: str = "") -> tuple[Any, Any]:
        """X and the targets checked, converted to the network's dtype and moved (once) to
        its backend and device; class labels one-hot encoded."""
        X = self.backend.inputs(X, self.sizes[0], self.config.dtype, name=f"{prefix}X")
        softmax = self.activation_functions[-1].name == "softmax"
        Y = self.backend.targets(
            Y, X.shape[0], self.sizes[-1], self.config.dtype, softmax=softmax, name=f"{prefix}y",
            probabilities=self.config.cost in ("cross-entropy", "log-likelihood"),
        )  # fmt: skip
        return X, Y

    def cost(self, X: Any, Y: Any) -> float:
        """The mean cost C = (1/n) Σ_x C_x over the rows of X.

        Y holds the targets, shape (n_samples, sizes[-1]), or 1-D class labels.
        """
        return float(self._evaluate(*self._check_xy(X, Y))["cost"])

    def backprop(self, X: Any, Y: Any) -> tuple[list[Any], list[Any]]:
        """The gradient of the mean cost over the rows of X, by BP1–BP4.

        Returns
        -------
        nabla_w : list of arrays
            ∂C/∂w^l, shaped like ``weights``.
        nabla_b : list of arrays
            ∂C/∂b^l, shaped like ``biases``.
        """
        X, Y = self._check_xy(X, Y)
        return _backprop(
            self.weights, self.biases, self.activation_functions, self.cost_function, X, Y, self.xp
        )

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(self, X: Any, y: Any) -> dict[str, Any]:
        """Cost and (for classification) accuracy on data X with labels or targets y.

        Returns
        -------
        dict with ``cost`` (mean cost), ``n`` (samples) and, when the network has several
        outputs, ``correct`` (rows whose largest output is the label, or the target's largest
        entry) and ``accuracy`` (correct / n).
        """
        return self._evaluate(*self._check_xy(X, y))

    def _evaluate(self, X: Any, Y: Any) -> dict[str, Any]:
        """``evaluate`` on arrays already checked and converted by ``_check_xy``: one forward
        pass over blocks of rows gives both the cost and the correct count."""
        xp, n = self.xp, X.shape[0]
        classes = self.sizes[-1] > 1
        total, correct = 0.0, 0
        for s in self._blocks(n):
            z, a = self._output(X[s, :])
            total += float(xp.sum(self.cost_function.value(z, a, Y[s, :], xp)))
            if classes:
                hits = xp.argmax(a, axis=1) == xp.argmax(Y[s, :], axis=1)
                correct += int(xp.sum(xp.astype(hits, xp.int64)))
        out: dict[str, Any] = {"cost": total / n, "n": n}
        if classes:
            out["correct"] = correct
            out["accuracy"] = correct / n
        return out

    def accuracy(self, X: Any, y: Any) -> float:
        """The fraction of rows of X whose predicted class is the label in y."""
        scores = self.evaluate(X, y)
        if "accuracy" not in scores:
            raise ValueError("accuracy needs a network with several output neurons (classes)")
        return float(scores["accuracy"])

    # -- training ------------------------------------------------------------------------

    def fit(
        self,
        X: Any,
        y: Any,
        epochs: int = 30,
        batch_size: int = 10,
        eta: float = 3.0,
        validation_data: tuple[Any, Any] | None = None,
        shuffle: bool = True,
        seed: int | None = None,
        callbacks: Sequence[Callback] = (),
        checkpoint: str | os.PathLike[str] | None = None,
        checkpoint_every: int = 1,
        resume: bool = False,
        *,
        optimizer: str | Optimizer = "sgd",
        momentum: float = 0.9,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        l2: float = 0.0,
        l1: float = 0.0,
        dropout: float = 0.0,
        schedule: str | Schedule = "constant",
        plateau_patience: int = 10,
        validation_split: float | int | None = None,
        patience: int | None = None,
    ) -> History:
        """Train by mini-batch stochastic gradient descent (SPEC.md, "The algorithm").

        Parameters
        ----------
        X : array of shape (n_samples, sizes[0])
            NumPy or the backend's array; moved to the backend's device once, not per batch.
        y : array of shape (n_samples,) or (n_samples, sizes[-1])
            Integer class labels (one-hot encoded for the output layer) or target rows.
        epochs, batch_size, eta, shuffle, seed
            See :class:`~deltaprop.training.config.TrainConfig`.
        validation_data : (X_val, y_val), optional
            Measured after every epoch (cost, and accuracy for classification).
        callbacks : sequence of Callback
            Hooks called during training (progress, diagnostics).
        checkpoint : str or os.PathLike, optional
            Save the full training state (parameters, optimiser state, epoch, shuffling
            state, history) to this file every ``checkpoint_every`` epochs and at the end,
            atomically. If it exists, ``resume=True`` is needed: training then continues
            from it (and ends with the same weights, bit for bit, as an uninterrupted run);
            otherwise it is refused rather than overwritten.
        checkpoint_every : int, default 1
            Epochs between checkpoints. An interrupted or diverged run also saves its last
            good epoch.
        resume : bool, default False
            Continue from ``checkpoint`` if it exists (a missing file starts a new run). The
            network and the options must match the checkpoint's; only ``epochs`` and ``eta``
            may change.
        optimizer : str or Optimizer, default "sgd"
            "sgd", "momentum", "nesterov" or "adam" (with ``momentum``, or ``beta1``,
            ``beta2`` and ``epsilon``), or an :class:`~deltaprop.training.optimizers.Optimizer`.
        l2, l1 : float, default 0
            λ of the penalties (λ/2n) Σ w² and (λ/n) Σ |w| on the weights, n the number of
            training samples; with SGD each step is w → (1 − ηλ/n) w − η ∂C_0/∂w.
        dropout : float, default 0
            Probability of dropping each hidden neuron in each training step (inverted
            dropout; prediction always uses the whole network).
        schedule : str or Schedule, default "constant"
            "constant", "plateau" (halve η after ``plateau_patience`` epochs without a better
            validation score; stop at η/128) or "cosine" (η down to 0 over ``epochs``).
        validation_split : float or int, optional
            Hold out the last rows of X as validation data: a fraction in (0, 1) or a number of
            rows (MNIST's classic split is 10000). Not together with ``validation_data``.
        patience : int, optional
            Early stopping: stop after this many epochs without a better validation score
            (accuracy for classification, else cost) and keep the best epoch's parameters.

        Every keyword but ``validation_data``, ``callbacks`` and the three checkpoint ones is
        a field of :class:`~deltaprop.training.config.TrainConfig`, so
        ``net.fit(X, y, **dataclasses.asdict(config))`` runs ``config``.

        Returns
        -------
        History
            One row of figures per epoch.

        Raises
        ------
        DivergenceError
            When the cost becomes NaN or inf; the network keeps the weights it had at the
            start of that epoch (and ``checkpoint`` the last good epoch).
        ValueError
            For bad options, or a ``checkpoint`` made for another network, data or options.
        FileExistsError
            If ``checkpoint`` exists and ``resume`` is False.
        """
        from .training.loop import train

        config = TrainConfig(
            epochs, batch_size, eta, shuffle, seed,
            optimizer.name if isinstance(optimizer, Optimizer) else optimizer,
            momentum, beta1, beta2, epsilon, l2, l1, dropout,
            schedule.name if isinstance(schedule, Schedule) else schedule,
            plateau_patience, validation_split, patience,
        )  # fmt: skip
        X, Y = self._check_xy(X, y)
        validation = None
        if validation_data is not None:
            validation = self._check_validation(validation_data)
        n_val = config.n_validation(X.shape[0])
        if n_val:
            if validation is not None:
                raise ValueError(
                    "give either validation_data or validation_split, not both: "
                    "validation_split holds out the last rows of X as validation data"
                )
            k = X.shape[0] - n_val  # the first k rows train, the last n_val validate
            X, validation, Y = X[:k, :], (X[k:, :], Y[k:, :]), Y[:k, :]
        overrides: dict[str, Any] = {
            "optimizer": optimizer if isinstance(optimizer, Optimizer) else None,
            "schedule": schedule if isinstance(schedule, Schedule) else None,
        }
        if checkpoint is not None:
            from .training.checkpoint import train_with_checkpoint

            return train_with_checkpoint(
                self, X, Y, config, checkpoint, every=checkpoint_every, resume=resume,
                validation=validation, callbacks=list(callbacks), **overrides,
            )  # fmt: skip
        if resume:
            raise ValueError("resume=True needs checkpoint=PATH, the file to resume from")
        return train(self, X, Y, config, validation=validation, callbacks=list(callbacks),
                     **overrides)  # fmt: skip

    def _check_validation(self, data: Any) -> tuple[Any, Any]:
        try:
            X_val, y_val = data
        except (TypeError, ValueError):
            raise ValueError(
                "validation_data must be a pair (X_val, y_val) of inputs and labels or targets"
            ) from None
        return self._check_xy(X_val, y_val, prefix="validation ")

    # -- files ---------------------------------------------------------------------------

    def save(self, path: Any) -> None:
        """Write the network to ``path`` (.npz arrays plus JSON metadata), atomically."""
        from .io.model import save

        save(self, path)
