"""Callbacks: how code outside the library watches (and may stop) a training run.

The training loop never prints; it calls these hooks and the caller decides what to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from ..core.activations import Array

if TYPE_CHECKING:
    from .history import History


class Step(NamedTuple):
    """What one mini-batch step computed, handed to :meth:`Callback.on_batch_end`.

    Lists are indexed by layer l = 2 … L (entry 0 is layer 2); ``activations`` starts at a^1.
    The arrays are the loop's own: read them, do not keep or change them.

    Attributes
    ----------
    epoch : int
        Counted from 1.
    batch : int
        Counted from 1 within the epoch.
    n_batches : int
        Mini-batches in this epoch.
    x : array of shape (m, n_1)
        The mini-batch's inputs.
    y : array of shape (m, n_L)
        Its targets.
    zs : list of arrays
        z^l, shape (m, n_l).
    activations : list of arrays
        a^l, shape (m, n_l), for l = 1 … L.
    deltas : list of arrays
        δ^l, shape (m, n_l).
    grad_w : list of arrays
        ∂C/∂w^l, shape (n_l, n_{l-1}): the gradient the optimiser used, with the L2/L1 term
        (``penalty``) when regularising.
    grad_b : list of arrays
        ∂C/∂b^l, shape (n_l,).
    cost : float
        The mini-batch's mean cost, before the update.
    masks : list of arrays or None
        The dropout masks r^l of the hidden layers l = 2 … L−1, shape (m, n_l), entries 0
        (dropped) or 1/(1 − p); None without dropout. ``activations`` are before the mask:
        layer l+1 saw a^l ⊙ r^l.
    penalty : list of arrays or None
        The L2/L1 term (λ₂/n) w + (λ₁/n) sgn(w) that ``grad_w`` includes, per layer, shaped
        like the weights; None when not regularising.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> class Shapes(deltaprop.Callback):
    ...     def on_batch_end(self, step):
    ...         if step.batch == 1:
    ...             print(step.x.shape, [d.shape for d in step.deltas], step.grad_w[0].shape)
    >>> history = net.fit(X, y, epochs=1, batch_size=10, eta=1.0, callbacks=[Shapes()])
    (10, 4) [(10, 3), (10, 2)] (3, 4)
    """

    epoch: int  # counted from 1
    batch: int  # counted from 1 within the epoch
    n_batches: int  # mini-batches in this epoch
    x: Array  # (m, n_1) the mini-batch's inputs
    y: Array  # (m, n_L) its targets
    zs: list[Array]  # z^l, (m, n_l)
    activations: list[Array]  # a^l, (m, n_l), for l = 1 … L
    deltas: list[Array]  # δ^l, (m, n_l)
    grad_w: list[Array]  # ∂C/∂w^l, (n_l, n_{l-1})
    grad_b: list[Array]  # ∂C/∂b^l, (n_l,)
    cost: float  # the mini-batch's mean cost, before the update
    masks: list[Array] | None = None  # dropout's r^l, (m, n_l), l = 2 … L−1; None without
    penalty: list[Array] | None = None  # the L2/L1 term in grad_w; None when not regularising


# The generated __new__ belongs to no module; name this one so that documentation tools can
# resolve the field types (``Array``) where they are defined.
Step.__new__.__module__ = __name__


class Callback:
    """Base class: override the hooks you need; the loop skips the rest cheaply.

    Pass instances to ``Network.fit(..., callbacks=[...])``. The hooks are called in this
    order: ``on_train_begin``, then for each epoch ``on_epoch_begin``, ``on_batch_end``
    after every mini-batch, ``on_epoch_end`` (return True to stop), and ``on_train_end``.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    A callback that stops training once the validation accuracy reaches a target:

    >>> class StopAt(deltaprop.Callback):
    ...     def __init__(self, target):
    ...         self.target = target
    ...     def on_epoch_end(self, epoch, logs):
    ...         return logs["val_accuracy"] >= self.target
    >>> history = net.fit(X, y, epochs=50, batch_size=10, eta=3.0, seed=0,
    ...                   validation_data=(X, y), callbacks=[StopAt(0.9)])
    >>> len(history) < 50, history["val_accuracy"][-1] >= 0.9
    (True, True)
    """

    #: whether ``on_batch_end`` must see every mini-batch. A callback whose ``on_batch_end``
    #: only watches for a request to stop sets False: where an epoch runs as one compiled
    #: program (backend "jax") it is then not called, and the epoch runs whole.
    every_batch: ClassVar[bool] = True

    def on_train_begin(self, trainer: Any) -> None:
        """Called once before the first epoch with the
        :class:`~deltaprop.training.loop.Trainer`: ``trainer.model``, ``trainer.config`` and
        ``trainer.state`` (epoch, RNG and optimiser state, history) describe the run."""

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        """Called at the start of each epoch (counted from 1)."""

    def on_batch_end(self, step: Step) -> None:
        """Called after each mini-batch's update. Costs time on every step: keep it short."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool | None:
        """Called after each epoch with its figures (see :class:`History`).

        Figures a callback adds to ``logs`` go into the epoch's row of the History.
        Return True to stop training after this epoch.
        """
        return None

    def on_train_end(self, history: History) -> None:
        """Called once when training ends, also when it is stopped early."""


def overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` defines ``hook`` itself rather than inheriting the no-op."""
    return getattr(type(callback), hook) is not getattr(Callback, hook)
