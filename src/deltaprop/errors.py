"""The exceptions deltaprop raises for bad files and failed training runs."""

from __future__ import annotations


class FormatError(ValueError):
    """A file is not what it should be: not a deltaprop model, a truncated or corrupt
    IDX file, an array of the wrong shape or type.

    The message names the file and says what is wrong with it.
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
    """
