"""Progress shown while a network trains, where someone is watching.

``Network.fit`` adds :func:`progress_callbacks` to its callbacks: a bar per epoch (tqdm) with
the running mean cost of the epoch's mini-batches, in a terminal or a Jupyter notebook, and
nothing in pipes, logs or CI, unless ``verbose`` says otherwise. The command line uses the
same :class:`ProgressBar`, cleared at the end of each epoch before its own result line.
"""

from __future__ import annotations

import functools
import re
import sys
import time
from typing import Any, TextIO

from .callbacks import Callback, Step

__all__ = ["EpochLine", "ProgressBar", "in_notebook", "progress_callbacks", "watched"]

#: seconds between two redraws of a bar
REFRESH = 0.1


def in_notebook() -> bool:
    """Whether this process is the kernel of a Jupyter notebook (or another ipykernel front).

    Returns
    -------
    bool

    Examples
    --------
    >>> in_notebook()                  # the doctests run in a plain Python process
    False
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def watched(stream: TextIO | None = None) -> bool:
    """Whether someone watches the output: a notebook, or ``stream`` (stderr) is a terminal.

    Parameters
    ----------
    stream : file, optional
        The stream a bar would be drawn on; default ``sys.stderr``.

    Returns
    -------
    bool
        False in pipes, log files, CI and test runs.

    Examples
    --------
    >>> import io
    >>> watched(io.StringIO())         # a file is nobody's screen
    False
    """
    if in_notebook():
        return True
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@functools.cache
def _bar_class() -> Any:
    """tqdm's bar without its monitor thread, which only adjusts how often a stalled bar
    redraws: :class:`ProgressBar` decides that itself. (tqdm is imported on first use.)"""
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0

    return Bar


def _results(logs: dict[str, Any]) -> str:
    """The epoch's measured figures, e.g. ``val cost 0.0712, val accuracy 93.12%``."""
    parts = []
    for key, value in logs.items():
        m = re.fullmatch(r"(\w+?)_(cost|accuracy)", key)
        if m is None or m.group(1) == "train" or not isinstance(value, (int, float)):
            continue
        shown = f"{value:.2%}" if m.group(2) == "accuracy" else f"{value:.4f}"
        parts.append(f"{m.group(1)} {m.group(2)} {shown}")
    return ", ".join(parts)


class ProgressBar(Callback):
    """A tqdm bar per epoch: mini-batches done, time, and the running mean cost.

    The cost shown is the mean over the epoch's mini-batches so far (each taken before its
    update), which settles as the epoch goes on, where the last mini-batch's cost would jump.

    Parameters
    ----------
    file : file, optional
        Where to draw: default ``sys.stderr`` (``sys.stdout`` in a notebook, where stderr is
        shown as an error).
    leave : bool, default True
        Keep each finished bar, with the epoch's results, as the epoch's line; False clears it
        (the command line prints its own line).

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> import io
    >>> out = io.StringIO()
    >>> history = net.fit(X, y, epochs=2, batch_size=10, seed=0, validation_data=(X, y),
    ...                   callbacks=[ProgressBar(out)], verbose=0)
    >>> print(out.getvalue().split("\\r")[-1])               # doctest: +ELLIPSIS
    Epoch 2/2: 100%|...| 6/6 [..., cost 0.2..., val cost 0.2..., val accuracy ...%]
    <BLANKLINE>
    """

    def __init__(self, file: TextIO | None = None, *, leave: bool = True) -> None:
        self.file = file
        self.leave = leave
        self._epochs: int | None = None
        self._bar: Any = None
        self._done = 0  # mini-batches of this epoch
        self._cost_sum = 0.0
        self._last = 0.0  # when the bar was last brought up to date

    def on_train_begin(self, trainer: Any) -> None:
        self._epochs = trainer.config.epochs

    def on_epoch_begin(self, epoch: int, n_batches: int) -> None:
        if self._bar is not None:
            self._bar.close()
        file = self.file or (sys.stdout if in_notebook() else sys.stderr)
        of = f"/{self._epochs}" if self._epochs else ""
        # The bar's count and postfix are brought up to date every REFRESH seconds here, so
        # that each redraw shows the running mean; tqdm's own throttle would show stale text.
        self._bar = _bar_class()(
            total=n_batches,
            desc=f"Epoch {epoch}{of}",
            unit="batch",
            file=file,
            leave=self.leave,
            mininterval=0,
            miniters=1,
            dynamic_ncols=True,
        )
        self._done, self._cost_sum, self._last = 0, 0.0, time.perf_counter()

    def on_batch_end(self, step: Step) -> None:
        # Every step: one addition and one clock read, unless a redraw is due.
        self._done += 1
        self._cost_sum += step.cost
        now = time.perf_counter()
        if now - self._last >= REFRESH:
            self._last = now
            self._draw(f"cost {self._cost_sum / self._done:.4f}")

    def _draw(self, postfix: str) -> None:
        bar = self._bar
        bar.set_postfix_str(postfix, refresh=False)
        bar.update(self._done - bar.n)  # redraws

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self._bar is None:
            return
        if self.leave:  # the final figures, drawn once by close()
            cost = logs.get("train_cost")
            shown = [f"cost {cost:.4f}" if isinstance(cost, (int, float)) else ""]
            self._bar.set_postfix_str(", ".join(p for p in [*shown, _results(logs)] if p), False)
            self._bar.n = self._bar.total
        self._bar.close()  # leave=False: the line is cleared, ready for the caller's line
        self._bar = None

    def on_train_end(self, history: Any) -> None:
        if self._bar is not None:  # stopped by an error or a callback mid-epoch
            self._bar.close()
            self._bar = None


class EpochLine(Callback):
    """One line per epoch and no bar (``verbose=2``): for logs, which a bar would fill.

    Parameters
    ----------
    file : file, optional
        Default ``sys.stdout``.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> history = net.fit(X, y, epochs=2, batch_size=10, seed=0, verbose=2)  # doctest: +ELLIPSIS
    Epoch 1/2: cost 0.2..., 0.0... s
    Epoch 2/2: cost 0.2..., 0.0... s
    """

    def __init__(self, file: TextIO | None = None) -> None:
        self.file = file
        self._epochs: int | None = None

    def on_train_begin(self, trainer: Any) -> None:
        self._epochs = trainer.config.epochs

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        of = f"/{self._epochs}" if self._epochs else ""
        parts = [f"cost {logs['train_cost']:.4f}", _results(logs)]
        parts.append(f"{logs.get('seconds', 0.0):.2f} s")
        line = f"Epoch {epoch}{of}: {', '.join(p for p in parts if p)}"
        print(line, file=self.file or sys.stdout, flush=True)


def progress_callbacks(verbose: int | None) -> list[Callback]:
    """The callbacks ``Network.fit`` adds for its ``verbose`` argument.

    Parameters
    ----------
    verbose : {None, 0, 1, 2}
        None: a bar per epoch where someone is watching (a terminal or a notebook), nothing
        elsewhere; 0: nothing; 1: a bar per epoch, always; 2: one line per epoch, no bar.

    Returns
    -------
    list of Callback
        To run after the caller's own callbacks, so that their figures are in the logs shown.

    Examples
    --------
    >>> progress_callbacks(0), [type(cb).__name__ for cb in progress_callbacks(2)]
    ([], ['EpochLine'])
    >>> progress_callbacks(None)       # the doctests' output is not a terminal
    []
    """
    if verbose is None:
        verbose = 1 if watched() else 0
    if isinstance(verbose, bool):
        verbose = int(verbose)
    if not isinstance(verbose, int) or verbose not in (0, 1, 2):
        raise ValueError(
            f"verbose must be 0 (silent), 1 (a progress bar per epoch), 2 (one line per "
            f"epoch) or None (a bar where someone is watching), got {verbose!r}"
        )
    if verbose == 1:
        return [ProgressBar()]
    return [EpochLine()] if verbose == 2 else []
