"""The whole epoch as one compiled program: the ``"jax"`` backend's training epochs.

With ``backend="jax"`` the parameters live in NumPy, as on the NumPy backend, and everything
between epochs is the training loop's own (the schedule's η, validation, early stopping, the
History, checkpoints). An epoch itself runs as one program that JAX compiles once per network
and configuration: the training data moved to the device once per run, the epoch's row order
and dropout masks drawn by the run's seeded NumPy generator exactly as the NumPy loop draws
them, and ``jax.lax.scan`` stepping through the mini-batches, each step the forward pass,
BP1–BP4 and the update written out in ``training.jax_step``. The parameters and the
optimiser's state go to the device at the start of the epoch and come back at its end, with
the cost of every mini-batch (for the training cost and the divergence check).

A callback that watches every mini-batch (``on_batch_end``: a per-batch Monitor, the explorer)
needs what each step computed, so with one the same compiled step runs once per mini-batch
instead, the parameters written back after each, and the callback sees each step as on NumPy.
That costs a call into JAX and copies per step: the whole-epoch program pays on long runs
without per-batch callbacks.

The compiled step covers deltaprop's own optimisers; a user's own optimiser object (and a
distributed run) trains on the NumPy loop instead (``CompiledEpochs.supports``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .callbacks import Step, overrides
from .divergence import diverged
from .optimizers import SGD, Adam, Momentum, Nesterov
from .partition import Partition
from .regularization import dropout_masks

Trainer = Any  # deltaprop.training.loop.Trainer, which imports this module

__all__ = ["CompiledEpochs"]

#: host memory for one segment's dropout masks (the epoch is scanned in segments this large)
MASK_BYTES = 1 << 26
#: mini-batches per turn of the compiled loop: XLA's CPU loop costs a few µs a turn, which
#: unrolling 8 steps into one turn saves (classic m = 10 epoch ~15 % faster; the same arithmetic)
UNROLL = 8


class CompiledEpochs:
    """The epochs of one :class:`~deltaprop.training.loop.Trainer`, compiled by JAX.

    Parameters
    ----------
    trainer : Trainer
        Its model is on the ``"jax"`` backend; ``supports(trainer)`` is True.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0, backend="jax")
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> history = net.fit(X, y, epochs=2, batch_size=10, eta=1.0, seed=0)  # compiled epochs
    >>> trainer = deltaprop.training.Trainer(net, deltaprop.TrainConfig(epochs=1))
    >>> CompiledEpochs.supports(trainer), type(net.weights[0]).__name__
    (True, 'ndarray')
    """

    def __init__(self, trainer: Trainer) -> None:
        import jax

        from . import jax_step

        self.jax = jax
        model, c = trainer.model, trainer.config
        opt = trainer.optimizer
        settings: dict[str, Any] = {
            k: float(getattr(opt, k))
            for k in ("momentum", "beta1", "beta2", "epsilon")
            if hasattr(opt, k)
        }  # the optimiser's hyper-parameters
        self.spec = jax_step.StepSpec(
            sigmas=tuple(s.name for s in model.sigmas),
            cost=model.cost_function.name,
            optimizer=opt.name,
            l2=float(c.l2),
            l1=float(c.l1),
            dropout=float(c.dropout),
            **settings,
        )
        self.device = model.backend.compiled_on
        self.dtype = np.dtype(model.config.dtype)
        self._data: tuple[Any, ...] = ()  # (X, Y, X on the device, Y on the device)
        self._programs = _programs(jax, jax_step)

    @staticmethod
    def supports(trainer: Trainer) -> bool:
        """Whether this trainer's epochs can be compiled: the ``"jax"`` backend, one process,
        and one of deltaprop's optimisers."""
        return (
            trainer.model.backend.compiled_on is not None
            and type(trainer.partition) is Partition
            and type(trainer.optimizer) in (SGD, Momentum, Nesterov, Adam)
        )

    def x64(self) -> Any:
        """JAX's float64 switch for this run's dtype (JAX computes in float32 by default)."""
        return self.jax.enable_x64(self.dtype == np.float64)

    def epoch_steps(self, trainer: Trainer, epoch: int, X: Any, Y: Any, start: list[Any]) -> float:
        """The epoch's steps, as ``Trainer._epoch_steps`` runs them (which this takes over):
        the same row order and dropout masks from the run's generator, the same updates;
        returns Σ_x C_x over the epoch and raises DivergenceError (the parameters back at
        ``start``) at the first mini-batch whose cost is not finite."""
        c, n, m = trainer.config, X.shape[0], trainer.config.batch_size
        hooks = [cb for cb in trainer.callbacks if overrides(cb, "on_batch_end") and cb.every_batch]
        order = trainer.rng.permutation(n) if c.shuffle else np.arange(n)  # as the NumPy loop
        with self.x64():
            self._on_device(X, Y)
            params, state = self._to_device(trainer)
            run = self._per_batch if hooks else self._segments
            params, state, parts = run(trainer, epoch, order, params, state, hooks)
            totals = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts])
            bad = np.flatnonzero(~np.isfinite(totals))
            if bad.size:  # the first mini-batch whose cost is inf or NaN, as on NumPy
                b = int(bad[0])
                cost = totals[b] / min(m, n - b * m)
                raise diverged(trainer.params, start, epoch, b + 1, trainer.eta, cost)
            self._to_host(trainer, params, state)
        return float(totals.sum())

    # -- the epoch, in segments of mini-batches or one mini-batch at a time ----------------

    def _segments(
        self, trainer: Trainer, epoch: int, order: np.ndarray, params: Any, state: Any, hooks: list
    ) -> tuple[Any, Any, list[Any]]:
        """The full mini-batches scanned a segment at a time, then the short last one."""
        scan, one = self._programs
        X, Y = self._data[2:]
        m, totals = trainer.config.batch_size, []
        n_full = order.shape[0] // m
        for lo, hi in self._bounds(trainer, n_full):
            rows = self._put(order[lo * m : hi * m].reshape(hi - lo, m).astype(np.int32))
            etas, kept = self._etas(trainer, hi - lo, m), self._kept(trainer, hi - lo, m)
            params, state, part = scan(self._spec(trainer), params, state, X, Y, rows, etas, kept)
            totals.append(part)
        if order.shape[0] > n_full * m:  # the last, shorter mini-batch
            rows = self._put(order[n_full * m :].astype(np.int32))
            count = rows.shape[0]
            eta, masks = self._etas(trainer, 1, count)[0], self._masks(trainer, count)
            params, state, total, _ = one(
                self._spec(trainer), params, state, X, Y, rows, eta, masks
            )
            totals.append(total[None])
        return params, state, totals

    def _per_batch(
        self, trainer: Trainer, epoch: int, order: np.ndarray, params: Any, state: Any, hooks: list
    ) -> tuple[Any, Any, list[Any]]:
        """The compiled step once per mini-batch, each step handed to the callbacks."""
        _, one = self._programs
        X_host, Y_host, X, Y = self._data
        m, n, totals = trainer.config.batch_size, order.shape[0], []
        n_batches = -(-n // m)
        for b in range(n_batches):
            idx = order[b * m : (b + 1) * m].astype(np.int32)
            eta, masks = self._etas(trainer, 1, idx.shape[0])[0], self._masks(trainer, idx.shape[0])
            rows = self._put(idx)
            params, state, total, parts = one(
                self._spec(trainer), params, state, X, Y, rows, eta, masks
            )
            totals.append(total[None])
            cost = float(total) / idx.shape[0]
            if not np.isfinite(cost):
                break  # run_epoch reports it, from the costs so far
            for p, new in zip(trainer.params, params):  # the callbacks see the new weights
                p[...] = np.asarray(new)
            zs, activations, deltas, grads = (_host(a) for a in parts)
            x, y, n_w = X_host[idx], Y_host[idx], len(zs)
            grad_w, grad_b = grads[:n_w], grads[n_w:]
            step = Step(
                epoch, b + 1, n_batches, x, y, zs, activations, deltas, grad_w, grad_b, cost
            )
            for cb in hooks:
                cb.on_batch_end(step)
        return params, state, totals

    # -- what each program is given ---------------------------------------------------------

    def _spec(self, trainer: Trainer) -> Any:
        """The step's specification, with n (the penalty's) the training-set size."""
        import dataclasses

        n = trainer.n_samples or trainer.config.batch_size  # (run() sets n_samples)
        return self.spec if self.spec.n == n else dataclasses.replace(self.spec, n=n)

    def _bounds(self, trainer: Trainer, n_full: int) -> Iterator[tuple[int, int]]:
        """Segments [lo, hi) of the full mini-batches: all of them in one, unless their
        dropout masks would take more than ``MASK_BYTES`` of memory."""
        per_batch = trainer.config.batch_size * sum(trainer.model.sizes[1:-1])
        size = n_full if not trainer.config.dropout else max(1, MASK_BYTES // max(per_batch, 1))
        for lo in range(0, n_full, max(size, 1)):
            yield lo, min(n_full, lo + size)

    def _etas(self, trainer: Trainer, steps: int, m: int) -> Any:
        """η of each of the next ``steps`` steps (Adam's bias-corrected η_t, its t advanced
        on the host as ``Adam.update`` advances it)."""
        eta = trainer.eta
        if self.spec.optimizer != "adam":
            return self._put(np.full(steps, eta, dtype=self.dtype))
        b1, b2 = self.spec.beta1, self.spec.beta2
        state = trainer.state.optimizer_state
        t0 = int(state["t"])
        state["t"] = t0 + steps
        etas = [eta * (1.0 - b2**t) ** 0.5 / (1.0 - b1**t) for t in range(t0 + 1, t0 + steps + 1)]
        return self._put(np.asarray(etas, dtype=self.dtype))

    def _masks(self, trainer: Trainer, count: int) -> Any:
        """One mini-batch's dropout masks r^l, drawn as the NumPy loop draws them (None
        without dropout)."""
        c, model = trainer.config, trainer.model
        if not c.dropout:
            return None
        drawn = dropout_masks(count, model.sizes, c.dropout, trainer.rng, model.config.dtype)
        return [self._put(r) for r in drawn]

    def _kept(self, trainer: Trainer, steps: int, m: int) -> Any:
        """The next ``steps`` mini-batches' masks, stacked (an empty tuple without dropout):
        whether each neuron is kept, shape (steps, m, n_l) per hidden layer."""
        c, model = trainer.config, trainer.model
        if not c.dropout:
            return ()
        kept = [np.empty((steps, m, n_l), dtype=bool) for n_l in model.sizes[1:-1]]
        for s in range(steps):  # drawn batch by batch, in the NumPy loop's order
            drawn = dropout_masks(m, model.sizes, c.dropout, trainer.rng, model.config.dtype)
            for k, r in zip(kept, drawn):
                np.not_equal(r, 0, out=k[s])
        return tuple(self._put(k) for k in kept)

    def _put(self, array: np.ndarray) -> Any:
        """A NumPy array on this run's device."""
        return self.jax.device_put(array, self.device)

    def _on_device(self, X: Any, Y: Any) -> tuple[Any, Any]:
        """X and Y on the device, moved there once per run (kept while they are the same)."""
        if not (self._data and self._data[0] is X and self._data[1] is Y):
            self._data = (X, Y, self._put(np.asarray(X)), self._put(np.asarray(Y)))
        return self._data[2], self._data[3]

    def _to_device(self, trainer: Trainer) -> tuple[list[Any], dict[str, list[Any]]]:
        put = self.jax.device_put
        params = [put(np.asarray(p), self.device) for p in trainer.params]
        arrays = {k: v for k, v in trainer.state.optimizer_state.items() if k != "t"}
        state = {k: [put(np.asarray(a), self.device) for a in v] for k, v in arrays.items()}
        return params, state

    def _to_host(self, trainer: Trainer, params: list[Any], state: dict[str, list[Any]]) -> None:
        """The epoch's parameters and optimiser state, written into the trainer's arrays."""
        for p, new in zip(trainer.params, params):
            p[...] = np.asarray(new)
        for k, arrays in state.items():
            for a, new in zip(trainer.state.optimizer_state[k], arrays):
                a[...] = np.asarray(new)


def _host(value: Any) -> Any:
    """JAX arrays (or lists of them) as NumPy arrays."""
    if isinstance(value, list):
        return [np.asarray(v) for v in value]
    return np.asarray(value)


_PROGRAMS: dict[str, tuple[Any, Any]] = {}


def _programs(jax: Any, jax_step: Any) -> tuple[Any, Any]:
    """The two compiled programs, made once per process (JAX caches each compilation by the
    specification and the arrays' shapes): a scan over mini-batches, and one step."""
    if "jax" in _PROGRAMS:
        return _PROGRAMS["jax"]
    jnp = jax.numpy

    def masks_of(spec: Any, kept: tuple[Any, ...], dtype: Any) -> list[Any] | None:
        if not kept:
            return None
        scale = jnp.asarray(1.0 / spec.keep, dtype=dtype)  # r = 1/(1 − p) where kept
        return [jnp.where(k, scale, jnp.zeros((), dtype)) for k in kept]

    def scan(
        spec: Any, params: Any, state: Any, X: Any, Y: Any, rows: Any, etas: Any, kept: Any
    ) -> tuple[Any, Any, Any]:
        def body(carry: Any, xs: Any) -> tuple[Any, Any]:
            idx, eta, *kept_b = xs
            x, y = jnp.take(X, idx, axis=0), jnp.take(Y, idx, axis=0)
            masks = masks_of(spec, tuple(kept_b), X.dtype)
            new_params, new_state, total, _ = jax_step.step(spec, *carry, x, y, eta, masks)
            return (new_params, new_state), total

        xs = (rows, etas, *kept)
        (params, state), totals = jax.lax.scan(body, (params, state), xs, unroll=UNROLL)
        return params, state, totals

    def one(
        spec: Any, params: Any, state: Any, X: Any, Y: Any, idx: Any, eta: Any, masks: Any
    ) -> tuple[Any, ...]:
        x, y = jnp.take(X, idx, axis=0), jnp.take(Y, idx, axis=0)
        return jax_step.step(spec, params, state, x, y, eta, masks)

    _PROGRAMS["jax"] = (jax.jit(scan, static_argnums=0), jax.jit(one, static_argnums=0))
    return _PROGRAMS["jax"]
