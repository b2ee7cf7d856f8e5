"""Measuring the network on a named data set after every epoch.

The training loop measures its *validation* data after each epoch, as ``val_*`` figures,
because the schedule and early stopping watch them. :class:`EpochScores` measures any other
data the same way under its own name: ``Network.fit(..., test_data=(X_test, y_test))`` adds one
named "test", so that the classic report — the test set measured after every epoch — is
recorded as ``test_cost``, ``test_accuracy``, ``test_correct`` and ``test_n``, and nothing calls
the test set "validation".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .callbacks import Callback

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["EpochScores", "measured_prefix"]


class EpochScores(Callback):
    """Measures the network on ``data`` after every epoch; logs ``{name}_cost``, and for
    classification ``{name}_accuracy``, ``{name}_correct`` and ``{name}_n``.

    Put it before the callbacks that show the figures (``Network.fit``'s ``test_data`` does).

    Parameters
    ----------
    name : str
        The prefix of the figures: "test" gives ``test_accuracy``.
    data : (X, y)
        Inputs of shape (n, sizes[0]) and labels of shape (n,) or targets (n, sizes[-1]);
        checked and moved to the network's backend when training starts.

    Examples
    --------
    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> history = net.fit(X[:40], y[:40], epochs=2, batch_size=10, eta=1.0, seed=0,
    ...                   callbacks=[EpochScores("test", (X[40:], y[40:]))])
    >>> history["test_n"], sorted(k for k in history.keys() if k.startswith("test_"))
    ([20, 20], ['test_accuracy', 'test_correct', 'test_cost', 'test_n'])
    """

    def __init__(self, name: str, data: tuple[Any, Any]) -> None:
        try:
            X, y = data
        except (TypeError, ValueError):
            raise ValueError(
                f"{name}_data must be a pair (X, y) of inputs and labels or targets"
            ) from None
        self.name = name
        self._raw: tuple[Any, Any] | None = (X, y)
        self._data: tuple[Any, Any] | None = None
        self._trainer: Trainer | None = None

    def on_train_begin(self, trainer: Trainer) -> None:
        self._trainer = trainer
        if self._raw is not None:
            self._data = trainer.net._check_xy(*self._raw, prefix=f"{self.name} ")
            self._raw = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self._trainer is None or self._data is None:
            raise RuntimeError("EpochScores.on_train_begin was not called; pass it to fit()")
        scores = self._trainer.net._evaluate(*self._data)
        logs.update({f"{self.name}_{k}": v for k, v in scores.items()})


def measured_prefix(logs: Any) -> str | None:
    """Which data a run measured after each epoch: "val" (validation data), "test", or None.

    Parameters
    ----------
    logs : dict or History
        An epoch's logs or a :class:`~deltaprop.History` (anything with ``in``).

    Returns
    -------
    str or None
        The prefix of the figures: ``"val"`` when validation data were measured (they come
        first: the schedule and early stopping watch them), else ``"test"``, else None.

    Examples
    --------
    >>> measured_prefix({"train_cost": 0.3, "test_cost": 0.4}), measured_prefix({})
    ('test', None)
    """
    for prefix in ("val", "test"):
        if f"{prefix}_cost" in logs:
            return prefix
    return None
