"""The record of a training run: one row of figures per epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any


class History:
    """Per-epoch figures of a training run, as columns.

    Each epoch appends one row of logs; ``history["val_accuracy"]`` is that column as a list
    (``None`` for epochs that lack it). The keys the training loop writes:

    - ``epoch``: counted from 1;
    - ``train_cost``: mean cost over the epoch's mini-batches (each taken before its update);
    - ``val_cost``, ``val_accuracy``, ``val_correct``, ``val_n``: on the validation data, after
      the epoch, when validation data is given (accuracy only for classification);
    - ``seconds``: time spent on the epoch's mini-batches; ``eval_seconds``: on validation;
    - ``eta``: the learning rate used.

    Callbacks add their own columns (a :class:`~deltaprop.insight.Monitor`'s ``grad_b_norm_l2``...).

    Parameters
    ----------
    rows : list of dict, optional
        Rows to start with (copied).

    Examples
    --------
    >>> history = History([{"epoch": 1, "val_accuracy": 0.91}, {"epoch": 2, "val_accuracy": 0.93}])
    >>> history["val_accuracy"]
    [0.91, 0.93]
    >>> history.best("val_accuracy")
    {'epoch': 2, 'val_accuracy': 0.93}
    >>> len(history), history.keys()
    (2, ['epoch', 'val_accuracy'])
    """

    def __init__(self, rows: list[dict[str, Any]] | None = None) -> None:
        self.rows: list[dict[str, Any]] = [dict(r) for r in rows or []]

    def append(self, logs: dict[str, Any]) -> None:
        """Add one epoch's row (a copy of ``logs``)."""
        self.rows.append(dict(logs))

    def __getitem__(self, key: str) -> list[Any]:
        if not any(key in r for r in self.rows):
            raise KeyError(f"no column {key!r} in this history; columns: {self.keys()}")
        return [r.get(key) for r in self.rows]

    def keys(self) -> list[str]:
        """Every column name, in the order they first appear."""
        seen: dict[str, None] = {}
        for r in self.rows:
            seen.update(dict.fromkeys(r))
        return list(seen)

    def __contains__(self, key: object) -> bool:
        return any(key in r for r in self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def best(self, key: str = "val_accuracy", mode: str = "max") -> dict[str, Any] | None:
        """The row with the best value of ``key`` (``mode`` "max" or "min"), or None."""
        rows = [r for r in self.rows if isinstance(r.get(key), (int, float))]
        rows = [r for r in rows if math.isfinite(r[key])]
        if not rows:
            return None
        pick = max if mode == "max" else min
        return pick(rows, key=lambda r: r[key])

    def to_dict(self) -> dict[str, list[Any]]:
        """The columns as plain lists (JSON-ready)."""
        return {k: self[k] for k in self.keys()}

    @classmethod
    def from_dict(cls, columns: dict[str, list[Any]]) -> History:
        """The inverse of :meth:`to_dict` (``None`` entries are left out of their rows)."""
        n = max((len(v) for v in columns.values()), default=0)
        rows = [{k: v[i] for k, v in columns.items() if v[i] is not None} for i in range(n)]
        return cls(rows)

    def _repr_html_(self) -> str:
        from .._html import history_html

        return history_html(self)

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, columns={self.keys()})"
