"""``Monitor``: per-layer diagnostics recorded during training, cheaply.

Every k-th mini-batch (by default about 64 per epoch) the monitor reads what the step already
computed, with no second forward pass, and keeps for each layer l = 2 … L:

===================  ==========================================================================
``delta``            mean |δ^l| over the batch's rows and neurons (BP1 at the output, BP2 below)
``grad_w_norm``      ‖∂C/∂w^l‖, the Frobenius norm of the weight gradient (BP4)
``grad_b_norm``      ‖∂C/∂b^l‖ = ‖mean δ^l‖ (BP3): the layer's *learning speed*, as the classic
                     text measures it
``saturated``        fraction of (sample, neuron) entries with σ'(z) below the threshold of
                     :data:`~deltaprop.insight.layerstats.SATURATION_THRESHOLD` (sigmoid, tanh,
                     softmax)
``dead``             fraction of ReLU units inactive (z ≤ 0) on every sampled row of the epoch
``activation_mean``  mean a^l
``update_ratio``     ‖Δw^l‖ / ‖w^l‖ of the step: how much one update changes the weights
===================  ==========================================================================

The figures are reduced on the array library's device, kept as 0-d arrays, and brought to
the host once per epoch. At the end of each epoch their means over the sampled steps go into
the epoch's logs (and so into the :class:`~deltaprop.History`) as ``"{name}_l{l}"`` columns,
``history["grad_b_norm_l2"]`` say; the per-step figures stay in :attr:`Monitor.trace`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..training.callbacks import Callback, Step
from ..training.history import History
from .layerstats import active_units, saturated_fraction

if TYPE_CHECKING:
    from ..training.loop import Trainer

#: the figures kept per layer, in the order of :attr:`Monitor.trace`'s last axis
STATS = (
    "delta",
    "grad_w_norm",
    "grad_b_norm",
    "saturated",
    "dead",
    "activation_mean",
    "update_ratio",
)


def column(stat: str, layer: int) -> str:
    """The History column of ``stat`` for layer l: ``"grad_b_norm_l2"`` for
    ``column("grad_b_norm", 2)``."""
    return f"{stat}_l{layer}"


class Monitor(Callback):
    """Records per-layer figures of every ``every``-th mini-batch; a training callback.

    Parameters
    ----------
    every : int, optional
        Sample every k-th mini-batch. By default k is chosen at the start of each epoch so
        that about ``samples_per_epoch`` batches are sampled.
    samples_per_epoch : int, default 64
        The target number of sampled batches per epoch when ``every`` is None.

    Attributes
    ----------
    trace : ndarray of shape (n_sampled, L − 1, len(STATS))
        The figures of every sampled step, layer l = i + 2 at index i (NaN where a figure does
        not apply: ``dead`` for non-ReLU layers, ``saturated`` for ReLU and identity).
    trace_steps : ndarray of shape (n_sampled,)
        The step each row of ``trace`` comes from, counted from 1 over the whole run.
    trace_epochs : ndarray of shape (n_sampled,)
        Where in the run that step is, in epochs: the 50th of 100 mini-batches of epoch 3 is
        2.5 (an x-axis shared with the per-epoch figures).
    epochs : list of dict
        The figures each epoch added to its logs.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> monitor = Monitor(every=2)
    >>> history = net.fit(X, y, epochs=3, batch_size=10, eta=1.0, seed=0, callbacks=[monitor])
    >>> len(history["grad_b_norm_l2"]), monitor.trace.shape       # 3 sampled steps an epoch
    (3, (9, 2, 7))
    >>> monitor.trace_steps.tolist()
    [2, 4, 6, 8, 10, 12, 14, 16, 18]
    >>> monitor.trace_epochs[:3].round(2).tolist()          # steps 2, 4, 6 of 6 in epoch 1
    [0.33, 0.67, 1.0]
    """

    def __init__(self, every: int | None = None, samples_per_epoch: int = 64) -> None:
        if every is not None:
            every = _positive_int("every", every)
        self.every = every
        self.samples_per_epoch = _positive_int("samples_per_epoch", samples_per_epoch)
        self.trace = np.empty((0, 0, len(STATS)))
        self.trace_steps = np.empty(0, dtype=np.int64)
        self.trace_epochs = np.empty(0)
        self._epoch = 0
        self.epochs: list[dict[str, float]] = []
        self._trainer: Trainer | None = None
        self._k = 1  # sample every k-th batch in this epoch
        self._steps_before = 0  # steps of the run before this epoch
        self._n_batches = 0
        self._values: list[Any] = []  # len(STATS) 0-d device arrays per layer per sample
        self._batches: list[int] = []
        self._nan: Any = None
        self._snapshot: list[Any] | None = None  # w^l before the next sampled step's update
        self._active: dict[int, Any] = {}  # per ReLU layer: units active on some sampled row

    # -- the hooks ---------------------------------------------------------------------

    def on_train_begin(self, trainer: Trainer) -> None:
        self._trainer = trainer

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        self._k = self.every or max(1, n_batches // self.samples_per_epoch)
        self._epoch = epoch
        self._n_batches = n_batches
        self._values, self._batches, self._active = [], [], {}
        self._snapshot = self._copy_weights() if self._k == 1 else None
        if self._trainer is not None:
            net = self._trainer.model
            self._nan = net.xp.asarray(float("nan"), dtype=net.weights[0].dtype)

    def on_batch_end(self, step: Step) -> None:
        # Called on every step: two integer tests unless this step or the next is sampled.
        k = self._k
        if step.batch % k == 0:
            self._record(step)
        if (step.batch + 1) % k == 0:
            self._snapshot = self._copy_weights()  # w^l before the next sampled update

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        figures = self._finish_epoch()
        self.epochs.append(figures)
        logs.update(figures)

    # -- the work ----------------------------------------------------------------------

    def _copy_weights(self) -> list[Any] | None:
        if self._trainer is None:
            return None
        xp = self._trainer.model.xp
        return [xp.asarray(w, copy=True) for w in self._trainer.model.weights]

    def _record(self, step: Step) -> None:
        """Reduce the step's arrays to len(STATS) figures per layer, on the device.

        Each figure stays a 0-d array in a flat list until the end of the epoch: no host
        transfer and no stacking per step. Norms are kept squared (one ``vecdot`` each) and
        their square roots taken on the host.
        """
        if self._trainer is None:
            raise RuntimeError("Monitor.on_train_begin was not called; pass it to fit()")
        net = self._trainer.model
        xp = net.xp
        values = self._values
        for i, (z, delta) in enumerate(zip(step.zs, step.deltas)):
            a, sigma = step.activations[i + 1], net.sigmas[i]
            inv_size = 1.0 / (z.shape[0] * z.shape[1])
            values.append(xp.sum(xp.abs(delta)) * inv_size)  # mean |δ^l|
            values.append(_squared_norm(step.grad_w[i], xp))  # ‖∂C/∂w^l‖² (BP4)
            values.append(_squared_norm(step.grad_b[i], xp))  # ‖∂C/∂b^l‖² (BP3)
            saturated = saturated_fraction(sigma, z, a, xp)
            values.append(self._nan if saturated is None else saturated)
            values.append(self._nan)  # dead: from the epoch's active units, at its end
            values.append(xp.sum(a) * inv_size)  # mean a^l
            if self._snapshot is not None:
                before = self._snapshot[i]
                change = _squared_norm(net.weights[i] - before, xp)
                values.append(change / _squared_norm(before, xp))  # (‖Δw^l‖ / ‖w^l‖)²
            else:
                values.append(self._nan)
            if sigma.name == "relu":  # dead units: inactive on every sampled row of the epoch
                active = active_units(z, xp)
                self._active[i] = active if i not in self._active else self._active[i] | active
        self._batches.append(step.batch)
        self._snapshot = None

    def _finish_epoch(self) -> dict[str, float]:
        """Bring the epoch's figures to the host, extend the trace, and average them."""
        n_batches, self._steps_before = self._n_batches, self._steps_before + self._n_batches
        if not self._batches or self._trainer is None:
            return {}
        net = self._trainer.model
        n_layers = len(net.weights)
        flat = np.asarray(net.to_numpy(net.xp.stack(self._values)), dtype=np.float64)
        rows = flat.reshape(len(self._batches), n_layers, len(STATS))  # (s, L − 1, S)
        for name in ("grad_w_norm", "grad_b_norm", "update_ratio"):  # kept squared on the device
            rows[:, :, STATS.index(name)] = np.sqrt(rows[:, :, STATS.index(name)])
        for i, active in self._active.items():
            rows[:, i, STATS.index("dead")] = 1.0 - np.mean(net.to_numpy(active))
        steps = self._steps_before - n_batches + np.asarray(self._batches, dtype=np.int64)
        self.trace = rows if self.trace.size == 0 else np.concatenate([self.trace, rows])
        self.trace_steps = np.concatenate([self.trace_steps, steps])
        at = self._epoch - 1 + np.asarray(self._batches, dtype=np.float64) / n_batches
        self.trace_epochs = np.concatenate([self.trace_epochs, at])
        figures: dict[str, float] = {"monitor_samples": float(rows.shape[0])}
        finite = np.isfinite(rows)
        counts = finite.sum(axis=0)  # (L − 1, S)
        sums = np.where(finite, rows, 0.0).sum(axis=0)
        for i in range(rows.shape[1]):
            for s, stat in enumerate(STATS):
                if counts[i, s]:
                    figures[column(stat, i + 2)] = float(sums[i, s] / counts[i, s])
        return figures

    def trace_history(self, stats: tuple[str, ...] = ("grad_b_norm", "saturated")) -> History:
        """The per-step trace as a History, one row per sampled mini-batch: ``step``,
        ``epoch`` (fractional, as :attr:`trace_epochs`) and ``"{stat}_l{l}"`` columns.

        Parameters
        ----------
        stats : tuple of str, default ("grad_b_norm", "saturated")
            Which of :data:`STATS` to keep; a layer's column is left out where that figure
            does not apply to it (all NaN).

        Returns
        -------
        History
            What :func:`~deltaprop.insight.plots.learning_speed_figure` and
            :func:`~deltaprop.insight.plots.saturation_figure` draw per mini-batch.

        Examples
        --------
        ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

        >>> monitor = Monitor(every=3)
        >>> _ = net.fit(X, y, epochs=2, batch_size=10, eta=1.0, seed=0, callbacks=[monitor])
        >>> trace = monitor.trace_history()
        >>> trace["step"], sorted(trace.keys())[:3]
        ([3, 6, 9, 12], ['epoch', 'grad_b_norm_l2', 'grad_b_norm_l3'])
        """
        columns: dict[str, list[Any]] = {
            "step": [int(s) for s in self.trace_steps],
            "epoch": [float(e) for e in self.trace_epochs],
        }
        for stat in stats:
            s = STATS.index(stat)
            for i in range(self.trace.shape[1] if self.trace.ndim == 3 else 0):
                values = self.trace[:, i, s]
                if np.isfinite(values).any():
                    columns[column(stat, i + 2)] = [float(v) for v in values]
        return History.from_dict(columns)


def _squared_norm(x: Any, xp: Any) -> Any:
    """Σ x², over all entries, as a 0-d array."""
    flat = xp.reshape(x, (-1,))
    return xp.vecdot(flat, flat)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value
