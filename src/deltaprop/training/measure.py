"""Which data a run measured after every epoch.

The training loop measures its *validation* data after each epoch as ``val_*`` figures (the
schedule and early stopping watch them) and its *test* data, given as
``Network.fit(..., test_data=(X_test, y_test))``, as ``test_cost``, ``test_accuracy``,
``test_correct`` and ``test_n``: the classic report, the test set measured after every epoch,
is recorded under its own name, and nothing calls the test set "validation".
"""

from __future__ import annotations

from typing import Any

__all__ = ["measured_prefix"]


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
