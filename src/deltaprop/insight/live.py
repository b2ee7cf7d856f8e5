"""The training report, kept up to date while the run goes on.

:class:`LiveReport` is a training callback: after an epoch it rewrites the report
(atomically, so a browser reloading it never reads half a file) from the epochs done so far,
rendered ``live``, so that the open page reloads itself. The diagnosis and the confusion
matrix, which need the finished network, come with the last version, which
``deltaprop train --report`` writes when the run ends or is interrupted.

Rewriting takes most of a second (drawing the figures): more than a whole epoch of a small
data set, and on a fast machine about as long as an epoch of the classic MNIST network. So a
rewrite is skipped while less time has passed since the last one than keeps the report's share
of the run under ``max_share`` (a quarter by default; 1 rewrites after every epoch). The page
reloads every few seconds anyway, so a viewer sees no difference.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..training.callbacks import Callback
from ..training.history import History
from .run import Run

if TYPE_CHECKING:
    from ..training.loop import Trainer
    from .monitor import Monitor

__all__ = ["LiveReport"]


class LiveReport(Callback):
    """Rewrites the HTML report at ``path`` after the epochs of a run, rendered live.

    Parameters
    ----------
    path : str or os.PathLike
        The report's file.
    config : dict, optional
        The settings to show (JSON-ready); may be set later, before training starts.
    monitor : Monitor, optional
        The run's monitor, for the per-layer and per-mini-batch figures.
    weights : bool, default True
        Also draw the first layer's weights.
    max_share : float, default 0.25
        The largest share of the run's time the rewrites may take: after a rewrite that
        took t seconds, the next waits until t (1 − max_share) / max_share more have passed.
        1 rewrites after every epoch.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> from deltaprop.insight import Monitor
    >>> monitor = Monitor()
    >>> live = LiveReport("live.html", {"eta": 1.0}, monitor)
    >>> history = net.fit(X, y, epochs=2, batch_size=10, eta=1.0, seed=0,
    ...                   callbacks=[monitor, live])
    >>> from pathlib import Path
    >>> page = Path("live.html").read_text(encoding="utf-8")
    >>> 'http-equiv="refresh"' in page, "so far" in page, live.epochs_written > 0
    (True, True, True)
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        config: dict[str, Any] | None = None,
        monitor: Monitor | None = None,
        *,
        weights: bool = True,
        max_share: float = 0.25,
    ) -> None:
        if not 0 < max_share <= 1:
            raise ValueError(f"max_share must be in (0, 1], got {max_share!r}")
        self.path = Path(path)
        self.config = dict(config or {})
        self.monitor = monitor
        self.weights = weights
        self.max_share = max_share
        self.writes = 0  # versions written while the run went on
        self.trainer: Trainer | None = None
        self.epochs_written = 0  # the epoch of the last version written (0: none yet)
        self._ready_at = 0.0  # time.monotonic() before which the next rewrite is skipped

    def on_train_begin(self, trainer: Trainer) -> None:
        self.trainer = trainer

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if time.monotonic() < self._ready_at:
            return
        start = time.monotonic()
        self.write(live=True)
        self.epochs_written, self.writes = epoch, self.writes + 1
        end = time.monotonic()
        self._ready_at = end + (end - start) * (1 - self.max_share) / self.max_share

    def run(self) -> Run:
        """The run so far: the settings, the epochs done and the monitor's trace."""
        rows = self.trainer.state.history.rows if self.trainer is not None else []
        trace = self.monitor.trace_history() if self.monitor is not None else None
        return Run(dict(self.config), History(rows), trace=trace)

    def write(self, *, live: bool, status: str | None = None) -> Path:
        """Write the report of the run so far; ``live`` pages reload themselves."""
        from .plots import render_pngs
        from .report import write_report

        run = self.run()
        weights = None
        if self.weights and self.trainer is not None:
            net = self.trainer.model
            weights = net.to_numpy(net.weights[0])
        pngs = render_pngs(run.history, weights=weights, trace=run.trace)
        return write_report(self.path, run, pngs=pngs, live=live, status=status)
