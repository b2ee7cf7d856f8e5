"""The exceptions deltaprop raises for bad files and failed training runs."""

from __future__ import annotations


class FormatError(ValueError):
    """A file is not what it should be: not a deltaprop model, a truncated or corrupt
    IDX file, an array of the wrong shape or type.

    The message names the file and says what is wrong with it.

    Examples
    --------
    >>> with open("empty.npz", "wb"):
    ...     pass
    >>> try:
    ...     deltaprop.load("empty.npz")
    ... except deltaprop.FormatError as exc:
    ...     print(exc)
    empty.npz: not a valid .npz (zip) file, or truncated (BadZipFile: File is not a zip file)
    """


class DivergenceError(ArithmeticError):
    """Training produced a non-finite cost (NaN or inf).

    Attributes
    ----------
    epoch : int
        The epoch (counted from 1) in which the cost stopped being finite.
    batch : int
        The mini-batch (counted from 1) of that epoch.
    eta : float
        The learning rate in use.

    Parameters
    ----------
    message : str
        What happened and what to try.
    epoch, batch : int
        Set ``epoch`` and ``batch``.
    eta : float
        Sets ``eta``.

    Examples
    --------
    >>> net = deltaprop.Network([2, 3, 1], activation="tanh", output_activation="identity",
    ...                         dtype="float64", seed=0)
    >>> X = np.random.default_rng(0).random((20, 2))         # shape (n, 2)
    >>> y = X.sum(axis=1, keepdims=True)                     # targets, shape (n, 1)
    >>> try:
    ...     net.fit(X, y, epochs=50, batch_size=5, eta=1e3, seed=0)   # far too large a step
    ... except deltaprop.DivergenceError as exc:
    ...     print(exc.epoch, exc.batch, exc.eta)
    11 4 1000.0
    """

    def __init__(self, message: str, *, epoch: int, batch: int, eta: float) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.eta = eta


class DistributedError(RuntimeError):
    """A data-parallel run cannot go on: a process did not answer within the timeout (it
    died or hung), the processes disagree (different networks, options or parameters), or
    MPI itself failed.

    The message says which process saw what. Once raised, the run's communicator is no
    longer usable: end the job (``comm.Abort()``, as ``deltaprop train --distributed`` and
    ``python -m mpi4py`` do) rather than carry on.

    Examples
    --------
    >>> error = DistributedError("process 1 of 2: no answer from the other processes within 300 s")
    >>> isinstance(error, RuntimeError)
    True
    """


class CommandError(Exception):
    """A ``deltaprop`` command failed in a way the user can fix: reported in one line, exit
    status 1 (usage errors are argparse's, exit status 2).

    Raised by the subcommands (``deltaprop.cli``, ``deltaprop.explore``) and caught once, by
    ``deltaprop.cli.main.main``, which prints ``deltaprop <command>: error: <message>``.

    Examples
    --------
    >>> from deltaprop.errors import CommandError
    >>> str(CommandError("no MNIST at ./mnist; give --data-dir or set $DELTAPROP_DATA"))
    'no MNIST at ./mnist; give --data-dir or set $DELTAPROP_DATA'
    """
