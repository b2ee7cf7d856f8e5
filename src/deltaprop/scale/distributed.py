"""``fit_distributed``: ``Network.fit`` over the processes of an MPI job.

Run the same script on every process, for example ``mpiexec -n 4 python -m mpi4py train.py``
(``-m mpi4py`` ends the whole job when one process raises), and call::

    from deltaprop.scale import fit_distributed
    X = np.load("X_train.npy", mmap_mode="r")  # each process reads only its rows
    history = fit_distributed(net, X, y, epochs=30, batch_size=10, eta=3.0, seed=1)

Every process returns the same history and holds the same trained parameters; only rank 0
should print or save (``Communicator().rank == 0``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _validation as v
from ..errors import DistributedError
from ..training.callbacks import Callback
from ..training.config import TrainConfig
from ..training.history import History
from ..training.loop import TrainState
from ..training.optimizers import Optimizer, get_optimizer
from .checkpoint import RankZeroCheckpoint, resume_state
from .comm import DEFAULT_TIMEOUT, Communicator, everywhere
from .trainer import DistributedTrainer, read_rows, split

if TYPE_CHECKING:
    from ..network import Network


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


def _same_everywhere(comm: Communicator, net: Network, config: TrainConfig, n: int) -> None:
    """The processes must build the same network and run the same options on the same
    number of rows: compare, and say which process differs."""
    mine = (repr(net.config), repr(config), n)
    everyone = comm.allgather_object(mine, "comparing the network and options")
    for rank, theirs in enumerate(everyone):
        if theirs != everyone[0]:
            raise everywhere(
                DistributedError(
                    f"process {rank} runs {theirs} but process 0 runs {everyone[0]}; start every "
                    "process with the same network, options and data"
                )
            )


def fit_distributed(
    net: Network,
    X: Any,
    y: Any,
    *,
    epochs: int = 30,
    batch_size: int = 10,
    eta: float = 3.0,
    validation_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    callbacks: Sequence[Callback] = (),
    optimizer: str | Optimizer = "sgd",
    comm: Any = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    state: TrainState | None = None,
) -> History:
    """Train ``net`` in place by mini-batch SGD, with each mini-batch split over processes.

    Call it on every process of the job with the same arguments. The result equals
    ``net.fit(X, y, ...)`` on one process up to floating-point rounding (the order in which
    gradients are added differs), and runs with the same number of processes agree bit for bit.

    Parameters
    ----------
    net : Network
        Rank 0's parameters are broadcast to the others first, so an unseeded network works.
    X : array-like of shape (n_samples, sizes[0])
        Anything NumPy-like that an integer array indexes by rows. Each process reads only the
        rows it computes, so a memory-mapped ``.npy`` file keeps each process's memory at
        about 1/N of the data.
    y : array-like of shape (n_samples,) or (n_samples, sizes[-1])
        Class labels or target rows, indexed like X.
    epochs, batch_size, eta, shuffle, seed
        As ``Network.fit``; ``batch_size`` is the global mini-batch m, split over the
        processes. With ``seed=None`` rank 0 draws one for all.
    validation_data : (X_val, y_val), optional
        Each process measures its block of rows after every epoch; the figures are summed.
    callbacks : sequence of Callback
        Run on every process (see :class:`DistributedTrainer` for what a ``Step`` holds).
    optimizer : str or Optimizer
    comm : mpi4py communicator or Communicator, optional
        Default: every process of the job (``MPI.COMM_WORLD``).
    timeout : float or None, default 300
        Seconds a process waits for the others before raising ``DistributedError``.
    checkpoint : str or os.PathLike, optional
        Rank 0 saves the training state here every ``checkpoint_every`` epochs and at the
        end, atomically. If the file exists, ``resume=True`` continues from it, on any number
        of processes (otherwise it is refused rather than overwritten).
    checkpoint_every : int, default 1
        Epochs between checkpoints.
    resume : bool, default False
        Continue from ``checkpoint`` if it exists (a missing file starts a new run).
    state : TrainState, optional
        Continue a run from this state (rank 0's is used), with rank 0's parameters.

    Returns
    -------
    History
        The same on every process.

    Raises
    ------
    ValueError
        For bad options or data, on every process alike.
    DivergenceError
        When the mini-batch's cost stops being finite, on every process alike.
    DistributedError
        When a process stops answering, or the processes disagree (different networks or
        options); end the job then (``comm.abort()``).

    Examples
    --------
    In one process (a job of size 1) the result is ``Network.fit``'s; under
    ``mpiexec -n N python -m mpi4py script.py`` the same call trains on N processes.

    >>> net = deltaprop.Network([4, 3, 2], dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((60, 4))         # 60 samples, shape (n, 4)
    >>> y = (X[:, 0] > 0.5).astype(int)                      # class labels, shape (n,)
    >>> single = net.copy()
    >>> history = fit_distributed(net, X, y, epochs=2, batch_size=10, eta=1.0, seed=0)
    >>> _ = single.fit(X, y, epochs=2, batch_size=10, eta=1.0, seed=0)
    >>> len(history), max(float(np.abs(a - b).max()) for a, b in zip(net.weights, single.weights))
    (2, 6.938893903907228e-18)
    """
    comm = comm if isinstance(comm, Communicator) else Communicator(comm, timeout=timeout)
    config = TrainConfig(epochs, batch_size, eta, shuffle, seed)
    get_optimizer(optimizer)
    _check_source(net, X, y, "training")
    if config.seed is None:  # one seed for all: the shuffle must be the same everywhere
        drawn = comm.bcast_object(secrets.randbelow(2**31), "sharing the shuffling seed")
        config = TrainConfig(epochs, batch_size, eta, shuffle, drawn)
    _same_everywhere(comm, net, config, int(X.shape[0]))
    validation = None
    if validation_data is not None:
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError(
                "validation_data must be a pair (X_val, y_val) of inputs and labels or targets"
            ) from None
        _check_source(net, X_val, y_val, "validation")
        lo, hi = split(int(X_val.shape[0]), comm.size, comm.rank)
        validation = comm.together(
            "reading the validation data",
            read_rows,
            net,
            X_val,
            y_val,
            slice(lo, hi),
            "validation",
        )
    callbacks = list(callbacks)
    saver = None
    if checkpoint is not None:
        saver = RankZeroCheckpoint(checkpoint, comm, every=checkpoint_every)
        state = resume_state(comm, checkpoint, net, config, resume=resume, optimizer=optimizer)
        if state is not None:
            saver.saved_epoch = state.epoch
        callbacks.insert(0, saver)
    elif resume:
        raise ValueError("resume=True needs checkpoint=PATH, the file to resume from")
    if state is not None:
        state = comm.bcast_object(state, "sharing the training state")
    trainer = DistributedTrainer(
        net, config, comm, optimizer=optimizer, callbacks=callbacks, state=state
    )
    if saver is None:
        return trainer.run(X, y, validation)
    try:
        return trainer.run(X, y, validation)
    except BaseException:  # divergence, Ctrl-C: keep the last good epoch (rank 0 writes)
        saver.flush()
        raise
    finally:
        saver.release()  # the checkpoint's lock
