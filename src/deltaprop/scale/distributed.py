"""``fit_distributed``: ``Network.fit`` over the processes of an MPI job.

Run the same script on every process, for example ``mpiexec -n 4 python -m mpi4py train.py``
(``-m mpi4py`` ends the whole job when one process raises), and call::

    from deltaprop.scale import fit_distributed
    X = np.load("X_train.npy", mmap_mode="r")  # each process reads only its rows
    history = fit_distributed(net, X, y, epochs=30, batch_size=10, eta=3.0, seed=1)

It takes every option ``Network.fit`` takes and runs the same training loop: only which rows
each process computes and how the gradients are combined differ
(:class:`~deltaprop.scale.partition.MPIPartition`). Every process returns the same history
and holds the same trained parameters; only rank 0 should print or save
(``Communicator().rank == 0``).
"""

from __future__ import annotations

import dataclasses
import inspect
import secrets
from typing import Any

import numpy as np

from .. import _validation as v
from ..errors import DistributedError
from ..network import Network
from ..training.checkpoint import data_fingerprint
from ..training.config import TrainConfig
from ..training.fit import fit, training_options
from ..training.history import History
from ..training.progress import progress_callbacks
from .comm import DEFAULT_TIMEOUT, Communicator, everywhere
from .partition import MPIPartition, read_rows, split


def _check_source(net: Network, X: Any, y: Any, name: str) -> None:
    """Shape checks that need no data read: X (n, n_1) indexable by rows, y (n,) or (n, n_L).
    1-D labels are small, so they are all checked here, on every process alike."""
    shape = getattr(X, "shape", None)
    if shape is None or not hasattr(X, "__getitem__"):
        raise ValueError(
            f"{name} X must be an array (or a memory-mapped array, np.load(path, "
            f"mmap_mode='r')) of shape (n_samples, {net.sizes[0]}), got {type(X).__name__}"
        )
    if len(shape) != 2 or shape[1] != net.sizes[0] or shape[0] == 0:
        raise ValueError(
            f"{name} X must have shape (n_samples, {net.sizes[0]}) with n_samples ≥ 1 to fit "
            f"the network's input layer, got shape {tuple(shape)}"
        )
    y_shape = np.shape(y)
    if len(y_shape) not in (1, 2) or y_shape[0] != shape[0]:
        raise ValueError(
            f"{name} y must hold one label or target row per sample of X: shape ({shape[0]},) "
            f"or ({shape[0]}, {net.sizes[-1]}), got shape {y_shape}"
        )
    if len(y_shape) == 1 and net.sizes[-1] > 1:
        labels = np.asarray(y)
        if labels.dtype.kind not in "biuf":
            raise ValueError(f"{name} y must hold class labels, got dtype {labels.dtype}")
        v.check_labels(labels, net.sizes[-1], name=f"{name} y")


def _same_everywhere(
    comm: Communicator, net: Network, config: TrainConfig, data: dict[str, Any]
) -> None:
    """The processes must build the same network and run the same options on the same data:
    compare, and say which process differs in what."""
    mine = {
        "network": repr(net.config),
        **{k: repr(v) for k, v in dataclasses.asdict(config).items()},
        "data": repr(data),
    }
    everyone = comm.allgather_object(mine, "comparing the network, options and data")
    for rank, theirs in enumerate(everyone):
        diff = [
            f"{k} {theirs[k]} (process 0: {everyone[0][k]})"
            for k in mine
            if theirs[k] != everyone[0][k]
        ]
        if diff:
            raise everywhere(
                DistributedError(
                    f"process {rank} runs with {'; '.join(diff)}; start every process with the "
                    "same network, options and data"
                )
            )


def _measured(comm: Any, net: Network, data: Any, name: str) -> tuple[Any, Any] | None:
    """This process's block of the rows of ``data`` (validation or test), measured after
    every epoch; None when not given."""
    if data is None:
        return None
    try:
        X_m, y_m = data
    except (TypeError, ValueError):
        raise ValueError(
            f"{name}_data must be a pair (X, y) of inputs and labels or targets"
        ) from None
    _check_source(net, X_m, y_m, name)
    lo, hi = split(int(X_m.shape[0]), comm.size, comm.rank)
    rows: tuple[Any, Any] = comm.together(
        f"reading the {name} data", read_rows, net, X_m, y_m, slice(lo, hi), name
    )
    return rows


def fit_distributed(
    net: Network,
    X: Any,
    y: Any,
    *,
    comm: Any = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **keywords: Any,
) -> History:
    """Train ``net`` in place by mini-batch SGD, with each mini-batch split over processes.

    Call it on every process of the job with the same arguments. The result equals
    ``net.fit(X, y, ...)`` on one process up to floating-point rounding (the order in which
    gradients are added differs), and runs with the same number of processes agree bit for bit.

    Parameters
    ----------
    net : Network
        On the NumPy backend. Rank 0's parameters are broadcast to the others first, so an
        unseeded network works.
    X : array-like of shape (n_samples, sizes[0])
        Anything NumPy-like that an integer array indexes by rows. Each process reads only the
        rows it computes, so a memory-mapped ``.npy`` file keeps each process's memory at
        about 1/N of the data.
    y : array-like of shape (n_samples,) or (n_samples, sizes[-1])
        Class labels or target rows, indexed like X.
    comm : mpi4py communicator or Communicator, optional
        Default: every process of the job (``MPI.COMM_WORLD``).
    timeout : float or None, default 300
        Seconds a process waits for the others before raising ``DistributedError``.
    **keywords
        Every keyword ``Network.fit`` takes, with the same defaults and the same checks:
        ``validation_data`` and ``test_data`` (each process measures its block of their
        rows; the figures are summed), ``callbacks`` (run on every process; the ``Step``
        holds this process's rows and the combined gradient, and a callback that writes
        files should write on rank 0 only), ``checkpoint``, ``checkpoint_every`` and
        ``resume`` (rank 0 writes the checkpoint; a run may resume on any number of
        processes, or in ``Network.fit``), ``verbose`` (progress on rank 0 only), ``config``
        and every :class:`~deltaprop.training.config.TrainConfig` field. ``batch_size`` is
        the global mini-batch m, split over the processes. With ``seed=None`` rank 0 draws
        one for all.

    Returns
    -------
    History
        The same on every process.

    Raises
    ------
    ValueError, TypeError
        For bad options or data, on every process alike (as ``Network.fit`` raises them).
    DivergenceError
        When the mini-batch's cost stops being finite, on every process alike.
    DistributedError
        When a process stops answering, or the processes disagree (different networks,
        options or data: the message names what differs); end the job then (``comm.abort()``).

    Examples
    --------
    In one process (a job of size 1) the result is ``Network.fit``'s; under
    ``mpiexec -n N python -m mpi4py script.py`` the same call trains on N processes.
    ``net``, ``X``, ``y``: the examples' network [4, 3, 2] and its 60 samples with labels.

    >>> single = net.copy()
    >>> history = fit_distributed(net, X, y, epochs=2, batch_size=10, eta=1.0, l2=0.5,
    ...                           dropout=0.2, optimizer="adam", seed=0)
    >>> _ = single.fit(X, y, epochs=2, batch_size=10, eta=1.0, l2=0.5, dropout=0.2,
    ...                optimizer="adam", seed=0)
    >>> diff = max(float(np.abs(a - b).max()) for a, b in zip(net.weights, single.weights))
    >>> len(history), diff < 1e-12                             # the same up to rounding
    (2, True)
    """
    comm = comm if isinstance(comm, Communicator) else Communicator(comm, timeout=timeout)
    given = _fit_keywords(keywords)
    config, optimizer, schedule = training_options(given["config"], given["options"])
    _check_source(net, X, y, "training")
    if config.seed is None:  # one seed for all: the shuffle must be the same everywhere
        drawn = comm.bcast_object(secrets.randbelow(2**31), "sharing the shuffling seed")
        config = dataclasses.replace(config, seed=drawn)
    X, y, validation_data = config.hold_out(X, y, given["validation_data"])
    data = comm.together("fingerprinting the data", data_fingerprint, net, X, y)
    _same_everywhere(comm, net, config, data)
    validation = _measured(comm, net, validation_data, "validation")
    test = _measured(comm, net, given["test_data"], "test")
    callbacks = [
        *given["callbacks"],
        *(progress_callbacks(given["verbose"]) if comm.rank == 0 else []),
    ]
    return fit(
        net,
        X,
        y,
        config,
        optimizer=optimizer,
        schedule=schedule,
        validation=validation,
        test=test,
        callbacks=callbacks,
        checkpoint=given["checkpoint"],
        checkpoint_every=given["checkpoint_every"],
        resume=given["resume"],
        partition=MPIPartition(comm),
        data=data,
    )


def _fit_keywords(keywords: dict[str, Any]) -> dict[str, Any]:
    """``keywords`` bound to ``Network.fit``'s own signature, its defaults filled in and the
    training options gathered under ``"options"``: the two functions take one list of
    keywords, declared once, by ``Network.fit``."""
    bound = inspect.signature(Network.fit).bind_partial(**keywords)
    bound.apply_defaults()
    return bound.arguments
