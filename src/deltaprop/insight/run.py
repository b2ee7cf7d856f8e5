"""A training run on disk: what the plots and the report are drawn from.

A run directory holds ``run.json`` (the configuration, the per-epoch history with the
monitor's columns, the confusion matrix and the diagnosis) and ``network.npz`` (the trained
network, for the first layer's weights). ``deltaprop train --plots DIR`` writes one;
``deltaprop plot DIR`` redraws its figures.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import FormatError
from ..io.atomic import atomic_write
from ..io.regular import open_regular
from ..training.history import History
from .diagnose import Diagnosis, diagnose

if TYPE_CHECKING:
    from ..network import Network

RUN_FILE = "run.json"
NETWORK_FILE = "network.npz"
FORMAT = "deltaprop-run"
VERSION = 1


@dataclass
class Run:
    """A finished training run.

    Attributes
    ----------
    config : dict
        The network, training and data settings, verbatim (JSON-ready).
    history : History
        One row per epoch, with the monitor's per-layer columns when it was on.
    confusion : ndarray of shape (n_classes, n_classes), optional
        Counts of (true class, predicted class) on the validation data.
    diagnosis : Diagnosis, optional
        :func:`~deltaprop.insight.diagnose` of the trained network.
    trace : History, optional
        One row per sampled mini-batch (``Monitor.trace_history()``): learning speed and
        saturation step by step, where a plateau shows.
    confusion_data : str, default "validation"
        Which data the confusion matrix was counted on ("validation" or "test").
    test_scores : dict, optional
        The trained network on the test data (``Network.evaluate``: cost, and accuracy,
        correct and n for classification), as the command printed it.

    Examples
    --------
    >>> run = Run({"sizes": [4, 3, 2]}, deltaprop.History([{"epoch": 1, "train_cost": 0.3}]))
    >>> Run.from_dict(run.to_dict()).history["train_cost"]
    [0.3]
    """

    config: dict[str, Any]
    history: History
    confusion: np.ndarray | None = None
    diagnosis: Diagnosis | None = None
    trace: History | None = None
    confusion_data: str = "validation"
    test_scores: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data, JSON-ready: what ``run.json`` holds."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "config": self.config,
            "history": self.history.to_dict(),
            "confusion": None if self.confusion is None else self.confusion.tolist(),
            "diagnosis": None if self.diagnosis is None else self.diagnosis.to_dict(),
            "trace": None if self.trace is None else self.trace.to_dict(),
            "confusion_data": self.confusion_data,
            "test_scores": self.test_scores,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Run:
        """The inverse of :meth:`to_dict`; raises ValueError for anything else."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a deltaprop run record (no 'format': 'deltaprop-run')")
        if data.get("version") != VERSION:
            raise ValueError(f"run record version {data.get('version')!r} is not supported")
        config, columns = data.get("config"), data.get("history")
        if not isinstance(config, dict) or not isinstance(columns, dict):
            raise ValueError("a run record needs 'config' and 'history' objects")
        if (
            not all(isinstance(v, list) for v in columns.values())
            or len({len(v) for v in columns.values()}) > 1
        ):
            raise ValueError("the run record's history must be columns of equal length")
        confusion = data.get("confusion")
        if confusion is not None:
            confusion = np.asarray(confusion)
            if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
                raise ValueError("the run record's confusion matrix must be square")
        diagnosis, trace = data.get("diagnosis"), data.get("trace")
        if trace is not None and (
            not isinstance(trace, dict) or not all(isinstance(v, list) for v in trace.values())
        ):
            raise ValueError("the run record's trace must be columns (lists)")
        if not isinstance(data.get("test_scores"), (dict, type(None))):
            raise ValueError("the run record's test_scores must be an object")
        return cls(
            config=config,
            history=History.from_dict(columns),
            confusion=confusion,
            diagnosis=None if diagnosis is None else Diagnosis.from_dict(diagnosis),
            trace=None if trace is None else History.from_dict(trace),
            confusion_data=str(data.get("confusion_data", "validation")),
            test_scores=data.get("test_scores"),
        )


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts: entry [i, j] is the samples of class i predicted as j."""
    counts = np.bincount(
        np.asarray(y_true, dtype=np.int64) * n_classes + np.asarray(y_pred, dtype=np.int64),
        minlength=n_classes * n_classes,
    )
    return counts.reshape(n_classes, n_classes)


def record_run(
    net: Network,
    history: History,
    config: dict[str, Any],
    *,
    validation: tuple[Any, Any] | None = None,
    diagnosis_data: tuple[Any, Any] | None = None,
    eta: float | None = None,
    trace: History | None = None,
    confusion_data: str = "validation",
) -> Run:
    """A :class:`Run` for a network ``history`` came from.

    Parameters
    ----------
    net : Network
        The trained network.
    history : History
        What its training returned.
    config : dict
        The settings to show with the run (JSON-ready), kept verbatim.
    validation : (X_val, y_val), optional
        Inputs of shape (n, sizes[0]) and labels of shape (n,) (or one-hot targets of shape
        (n, sizes[-1])): the confusion matrix is counted on them.
    diagnosis_data : (X, y), optional
        Data to :func:`~deltaprop.insight.diagnose` the network on.
    eta : float, optional
        The learning rate, for the diagnosis's update ratios.
    trace : History, optional
        The monitor's per-mini-batch figures (``monitor.trace_history()``).
    confusion_data : str, default "validation"
        What the ``validation`` pair is, for the confusion matrix's caption: "test" when it
        is the test set.

    Returns
    -------
    Run

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> history = net.fit(X, y, epochs=2, batch_size=10, eta=1.0, seed=0)
    >>> run = record_run(net, history, {"eta": 1.0}, validation=(X, y), diagnosis_data=(X, y))
    >>> run.confusion.shape, int(run.confusion.sum()), run.diagnosis.n_samples
    ((2, 2), 60, 60)
    """
    confusion = None
    if validation is not None and net.sizes[-1] > 1:
        X_val, y_val = validation
        y_val = np.asarray(y_val)
        labels = np.argmax(y_val, axis=1) if y_val.ndim == 2 else y_val
        confusion = confusion_matrix(labels, net.predict(X_val), net.sizes[-1])
    diagnosis = None
    if diagnosis_data is not None:
        diagnosis = diagnose(net, *diagnosis_data, eta=eta, trained=True)
    return Run(dict(config), history, confusion, diagnosis, trace, confusion_data)


def save_run(directory: str | os.PathLike[str], run: Run, net: Network | None = None) -> Path:
    """Write ``run.json`` (and ``network.npz`` when ``net`` is given) into ``directory``.

    Parameters
    ----------
    directory : str or os.PathLike
        Created if needed; each file is written atomically.
    run : Run
        What :func:`record_run` recorded.
    net : Network, optional
        Saved as ``network.npz`` (for the first layer's weights in the figures).

    Returns
    -------
    pathlib.Path
        The directory.

    Examples
    --------
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> history = net.fit(X, y, epochs=1, batch_size=3, eta=1.0, seed=0)
    >>> path = save_run("my_run", record_run(net, history, {"eta": 1.0}), net)
    >>> sorted(p.name for p in path.iterdir())
    ['network.npz', 'run.json']
    >>> run, saved = load_run("my_run")
    >>> len(run.history), saved.sizes
    (1, (4, 3, 2))
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(run.to_dict(), indent=1)
    with atomic_write(directory / RUN_FILE) as f:
        f.write(text.encode("utf-8"))
    if net is not None:
        net.save(directory / NETWORK_FILE)
    return directory


def load_run(directory: str | os.PathLike[str]) -> tuple[Run, Network | None]:
    """Read a run directory written by :func:`save_run`: the run, and its network if saved.

    Parameters
    ----------
    directory : str or os.PathLike
        A directory written by :func:`save_run` or ``deltaprop train --plots DIR``.

    Returns
    -------
    run : Run
        The recorded run: configuration, history, diagnosis, confusion matrix.
    net : Network or None
        The saved network, if the directory has one.

    Raises
    ------
    FileNotFoundError
        If ``directory/run.json`` does not exist.
    FormatError
        If it is not a valid run record.

    Examples
    --------
    >>> load_run("no_such_run")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no_such_run/run.json not found: give a directory written by ...
    """
    from ..network import load

    directory = Path(directory)
    path = directory / RUN_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: give a directory written by 'deltaprop train --plots DIR'"
        )
    with open_regular(path) as file:  # a FIFO or a device: FormatError, never a hang
        text = file.read()
    try:
        run = Run.from_dict(json.loads(text.decode("utf-8")))
    except RecursionError:
        raise FormatError(f"{path}: not a run record: nested too deeply") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError included
        raise FormatError(f"{path}: {exc}") from None
    net_path = directory / NETWORK_FILE
    return run, (load(net_path) if net_path.is_file() else None)
