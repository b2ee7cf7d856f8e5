"""``Network``: the parameters and configuration of a feedforward network.

A thin object around the functional core: the forward pass and BP1–BP4 live in
``deltaprop.core.backprop``, the training loop in ``deltaprop.training.loop``. ``Network``
holds the weights and biases, checks what users pass in, and delegates. Its arrays belong to
a backend (``deltaprop.backends``): NumPy by default, or CuPy or PyTorch, on the CPU or a GPU.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _validation as v
from .backends import BACKENDS, get_backend
from .core.backprop import backprop as _backprop
from .core.init import init_parameters
from .core.model import Model, NetworkConfig
from .io.model import CheckpointFile, read_model, write_model
from .training.callbacks import Callback
from .training.checkpoint import load_checkpoint
from .training.config import TrainConfig
from .training.fit import fit, training_options
from .training.history import History
from .training.progress import progress_callbacks


class Network(Model):
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
    backend : {"numpy", "cupy", "torch", "jax"} or an Array API namespace, default "numpy"
        The array library that holds the parameters and computes (see ``deltaprop.backends``;
        "jax" keeps them in NumPy and compiles each training epoch).
    device : str, optional
        Where the arrays live: "cpu" or "cuda" / "cuda:N" for backend "torch"; the GPU
        number or "cuda:N" for "cupy"; where the compiled epochs run for "jax" ("cpu", "gpu",
        "gpu:N"). None: the backend's default.

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
        super().__init__(config, weights, biases, resolved)

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
        Model.__init__(
            self, state["config"], state["weights"], state["biases"], get_backend(namespace, device)
        )

    # -- inspection ----------------------------------------------------------------------

    def __repr__(self) -> str:
        c = self.config
        return (
            f"Network({list(c.sizes)}, activation={c.activation!r}, "
            f"output_activation={c.output_activation!r}, cost={c.cost!r}, dtype={c.dtype!r})"
        )

    def _repr_html_(self) -> str:
        from ._html import network_html

        return network_html(self)

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
        blocks = [self.output(X[s, :])[1] for s in self.blocks(X.shape[0])]
        return blocks[0] if len(blocks) == 1 else self.xp.concat(blocks)

    def predict(self, X: Any) -> Any:
        """The predicted class of every row: the index of the largest output neuron
        (for a single output neuron, 1 where a^L > 0.5). Shape (n_samples,), int64, of the
        network's backend."""
        a, xp = self.feedforward(X), self.xp
        if a.shape[1] == 1:
            return xp.astype(a[:, 0] > 0.5, xp.int64)
        return xp.astype(xp.argmax(a, axis=1), xp.int64)

    # -- cost and gradient ---------------------------------------------------------------

    def cost(self, X: Any, Y: Any) -> float:
        """The mean cost C = (1/n) Σ_x C_x over the rows of X.

        Y holds the targets, shape (n_samples, sizes[-1]), or 1-D class labels.
        """
        return float(self.evaluate_arrays(*self.check_data(X, Y))["cost"])

    def backprop(self, X: Any, Y: Any) -> tuple[list[Any], list[Any]]:
        """The gradient of the mean cost over the rows of X, by BP1–BP4.

        Returns
        -------
        grad_w : list of arrays
            ∂C/∂w^l, shaped like ``weights``.
        grad_b : list of arrays
            ∂C/∂b^l, shaped like ``biases``.
        """
        X, Y = self.check_data(X, Y)
        return _backprop(self.weights, self.biases, self.sigmas, self.cost_function, X, Y, self.xp)

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(self, X: Any, y: Any) -> dict[str, Any]:
        """Cost and (for classification) accuracy on data X with labels or targets y.

        Returns
        -------
        dict
            ``cost`` (mean cost), ``n`` (samples) and, when the network has several outputs,
            ``correct`` (rows whose largest output is the label, or the target's largest
            entry) and ``accuracy`` (correct / n).
        """
        return self.evaluate_arrays(*self.check_data(X, y))

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
        *,
        validation_data: tuple[Any, Any] | None = None,
        test_data: tuple[Any, Any] | None = None,
        callbacks: Sequence[Callback] = (),
        checkpoint: str | os.PathLike[str] | None = None,
        checkpoint_every: int = 1,
        resume: bool = False,
        verbose: int | None = None,
        config: TrainConfig | None = None,
        **options: Any,
    ) -> History:
        """Train by mini-batch stochastic gradient descent over epochs.

        Checks the data and the options, then trains through :func:`deltaprop.training.fit`,
        the one entry every run goes through.

        Parameters
        ----------
        X : array of shape (n_samples, sizes[0])
            NumPy or the backend's array; moved to the backend's device once, not per batch.
        y : array of shape (n_samples,) or (n_samples, sizes[-1])
            Integer class labels (one-hot encoded for the output layer) or target rows.
        validation_data : (X_val, y_val), optional
            Measured after every epoch (cost, and accuracy for classification), as ``val_*``
            figures; the plateau schedule and early stopping watch them.
        test_data : (X_test, y_test), optional
            Also measured after every epoch, as ``test_cost``, ``test_accuracy``,
            ``test_correct`` and ``test_n`` (the classic report). Never used to choose anything.
        callbacks : sequence of Callback
            Hooks called during training (progress, diagnostics).
        checkpoint : str or os.PathLike, optional
            Save the full training state (parameters, optimiser state, epoch, shuffling
            state, history, every option used) to this file every ``checkpoint_every`` epochs
            and at the end, atomically. If it exists, ``resume=True`` is needed: training then
            continues from it (and ends with the same weights, bit for bit, as an
            uninterrupted run); otherwise it is refused rather than overwritten.
        checkpoint_every : int, default 1
            Epochs between checkpoints. An interrupted or diverged run also saves its last
            good epoch.
        resume : bool, default False
            Continue from ``checkpoint`` if it exists (a missing file starts a new run). The
            network and the options must match the checkpoint's (a difference is refused,
            naming the option and both values); only ``epochs`` and ``eta`` may change. A run
            that stopped itself (early stopping) is finished: resuming it trains nothing.
        verbose : {None, 0, 1, 2}, default None
            Progress: None shows a bar per epoch (with the running mean cost) where someone
            is watching, a terminal or a notebook, and nothing in pipes, logs or CI; 0 shows
            nothing, 1 always a bar, 2 one line per epoch.
        config : TrainConfig, optional
            The options as one object; ``options`` given beside it replace its fields.
        **options
            The fields of :class:`~deltaprop.training.config.TrainConfig`, each with its
            default there: ``epochs=30``, ``batch_size=10``, ``eta=3.0``, ``shuffle``,
            ``seed``, ``optimizer`` ("sgd", "momentum", "nesterov", "adam", or an
            :class:`~deltaprop.training.optimizers.Optimizer` object, whose settings become
            the options), ``momentum``, ``beta1``, ``beta2``, ``epsilon``, ``l2``, ``l1``,
            ``dropout``, ``schedule`` (a name or a
            :class:`~deltaprop.training.schedules.Schedule` object), ``plateau_patience``,
            ``plateau_factor``, ``plateau_eta_ratio``, ``validation_split`` (hold out the last
            rows of X; not with ``validation_data``) and ``patience`` (early stopping).

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
        TypeError
            For an option that is not a field of ``TrainConfig``.
        FileExistsError
            If ``checkpoint`` exists and ``resume`` is False.

        Examples
        --------
        ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

        >>> history = net.fit(X, y, epochs=3, batch_size=10, eta=1.0, optimizer="momentum",
        ...                   momentum=0.5, seed=0)
        >>> len(history), round(history["train_cost"][-1], 3) < round(history["train_cost"][0], 3)
        (3, True)
        """
        config, optimizer, schedule = training_options(config, options)
        X, Y = self.check_data(X, y)
        validation = self._check_pair(validation_data, "validation")
        X, Y, validation = config.hold_out(X, Y, validation)
        test = self._check_pair(test_data, "test")  # measured after every epoch as test_*
        callbacks = [*callbacks, *progress_callbacks(verbose)]
        return fit(
            self,
            X,
            Y,
            config,
            optimizer=optimizer,
            schedule=schedule,
            validation=validation,
            test=test,
            callbacks=callbacks,
            checkpoint=checkpoint,
            checkpoint_every=checkpoint_every,
            resume=resume,
        )

    def _check_pair(self, data: Any, name: str) -> tuple[Any, Any] | None:
        """The (X, y) pair ``data`` (validation or test) checked, or None if not given."""
        if data is None:
            return None
        try:
            X_data, y_data = data
        except (TypeError, ValueError):
            raise ValueError(
                f"{name}_data must be a pair (X, y) of inputs and labels or targets"
            ) from None
        return self.check_data(X_data, y_data, prefix=f"{name} ")

    # -- files ---------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network to ``path`` (.npz arrays plus JSON metadata), atomically; read it
        back with :func:`deltaprop.load`."""
        weights = [self.to_numpy(w) for w in self.weights]
        write_model(path, self.config, weights, [self.to_numpy(b) for b in self.biases])


def load(path: str | os.PathLike[str]) -> Network:
    """Read a network written by :meth:`Network.save` (or the network in a checkpoint).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npz`` file written by :meth:`Network.save`, ``deltaprop train --save``, or a
        training checkpoint.

    Returns
    -------
    Network
        On the NumPy backend, with the saved configuration and parameters.

    Raises
    ------
    FormatError
        If the file is not a deltaprop model, is truncated or corrupt, holds arrays of the
        wrong shape or type (object arrays included), or non-finite parameters.
    FileNotFoundError
        If there is no such file.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], cost="cross-entropy", seed=0)
    >>> net.save("net.npz")
    >>> same = deltaprop.load("net.npz")
    >>> same
    Network([4, 3, 2], ..., cost='cross-entropy', dtype='float32')
    >>> all(np.array_equal(w, v) for w, v in zip(same.weights, net.weights))
    True
    >>> with open("not_a_model.npz", "w") as f:
    ...     _ = f.write("hello")
    >>> deltaprop.load("not_a_model.npz")
    Traceback (most recent call last):
    ...
    deltaprop.errors.FormatError: not_a_model.npz: not a valid .npz (zip) file, or truncated ...
    """
    try:
        config, weights, biases = read_model(path)
    except CheckpointFile:
        model = load_checkpoint(path).network
        config, weights, biases = model.config, model.weights, model.biases
    net: Network = Network.from_parameters(config, weights, biases)
    return net
