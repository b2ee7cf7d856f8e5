"""The processes of a data-parallel run: an MPI communicator whose every wait has a deadline.

MPI's collective operations wait for every process. If one process dies between two of them
the launcher usually ends the others, but a process that hangs, or exits in a way the
launcher does not notice, would leave the rest waiting forever. So :class:`Communicator`
starts each collective operation without blocking (``Iallreduce``, ``Ibcast``, ...) and
polls it against a deadline; past it, it raises :class:`~deltaprop.errors.DistributedError`.
Errors that MPI reports (the communicator's error handler is ``ERRORS_RETURN``, mpi4py's
default) become ``DistributedError`` too. With ``timeout=None`` the blocking calls are used
and nothing is polled.

All data move as contiguous NumPy buffers; Python objects (small: options, digests, error
messages, a training state) are pickled into byte buffers first.
"""

from __future__ import annotations

import math
import os
import pickle
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DistributedError, DivergenceError, FormatError

DEFAULT_TIMEOUT = 300.0  # seconds one process may wait for the others in one collective
# How a wait polls: for the first _SPIN seconds, test and yield the CPU at once (measured on
# 2 processes: as fast as MPI's blocking call, while sleeping between tests doubled the time
# of a 7 MB all-reduce); after that the wait is long anyway, so pause between tests, growing
# to _MAX_PAUSE, to leave the CPU to the processes still computing.
_SPIN = 0.01
_MAX_PAUSE = 0.001
_ABORT_GRACE = 1.0  # seconds the launcher gets to forward the output before an abort
_yield = getattr(os, "sched_yield", lambda: time.sleep(0))


# the errors re-raised by name on the processes where they did not happen
_KINDS: dict[str, type[Exception]] = {
    kind.__name__: kind
    for kind in (
        ValueError,
        FormatError,
        OSError,
        FileNotFoundError,
        FileExistsError,
        ImportError,
        DistributedError,
    )
}


def raised_everywhere(error: BaseException) -> bool:
    """Whether every process of the run raised ``error`` at the same point, so that none is
    left waiting in a collective operation (then the job can end normally)."""
    return isinstance(error, DivergenceError) or getattr(error, "raised_everywhere", False)


def everywhere(error: Exception) -> Exception:
    """Mark ``error`` as raised by every process at the same point; return it."""
    error.raised_everywhere = True  # type: ignore[attr-defined]
    return error


def import_mpi() -> Any:
    """mpi4py's ``MPI`` module, or an ImportError that says how to install it."""
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError, OSError) as exc:
        raise ImportError(
            f"distributed training needs mpi4py and an MPI library ({exc}): install them with "
            "pip install 'deltaprop[mpi]' (mpi4py and MPICH), or install mpi4py against your "
            "cluster's MPI"
        ) from exc
    return MPI


def check_timeout(timeout: Any) -> float | None:
    """``timeout`` as None (wait forever) or a positive number of seconds."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    if not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    return float(timeout)


class Communicator:
    """The processes that train one network together.

    Parameters
    ----------
    comm : mpi4py communicator, optional
        Default ``MPI.COMM_WORLD``: every process the launcher started.
    timeout : float or None, default 300
        Seconds a process waits for the others in one collective operation before raising
        :class:`~deltaprop.errors.DistributedError`. It bounds how far the processes may
        drift apart (rank 0 writing a checkpoint, say), not how long a step may take.
        None waits forever, with MPI's blocking calls.

    Attributes
    ----------
    rank, size : int
        This process's number and the number of processes.
    where : callable returning str
        Describes the current point of the run, for error messages.
    allreduce_calls : int
        All-reduce operations so far; ``allreduce_seconds`` the time spent in them.

    Examples
    --------
    >>> comm = Communicator()                    # run alone: a job of one process
    >>> comm.rank, comm.size
    (0, 1)
    >>> buffer = np.array([1.0, 2.0])
    >>> comm.allreduce_sum(buffer, "adding up")  # the sum over all processes, in place
    >>> buffer
    array([1., 2.])
    """

    def __init__(self, comm: Any = None, *, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self.MPI = import_mpi()
        self.comm = self.MPI.COMM_WORLD if comm is None else comm
        self.rank: int = self.comm.Get_rank()
        self.size: int = self.comm.Get_size()
        self.timeout = check_timeout(timeout)
        self.where: Callable[[], str] = lambda: ""
        self.allreduce_calls = 0
        self.allreduce_seconds = 0.0

    def __repr__(self) -> str:
        return f"Communicator(rank={self.rank}, size={self.size}, timeout={self.timeout})"

    # -- the operations --------------------------------------------------------------------

    def allreduce_sum(self, buffer: np.ndarray, what: str) -> None:
        """Replace the contiguous array ``buffer`` by its sum over all processes, in place:
        one MPI all-reduce, whatever the array holds."""
        t0 = time.perf_counter()
        MPI = self.MPI
        self._run(
            what,
            lambda: self.comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM),
            lambda: self.comm.Iallreduce(MPI.IN_PLACE, buffer, op=MPI.SUM),
        )
        self.allreduce_calls += 1
        self.allreduce_seconds += time.perf_counter() - t0

    def bcast_array(self, buffer: np.ndarray, what: str, root: int = 0) -> None:
        """Overwrite ``buffer`` on every process with ``root``'s, in place."""
        self._run(
            what,
            lambda: self.comm.Bcast(buffer, root=root),
            lambda: self.comm.Ibcast(buffer, root=root),
        )

    def bcast_object(self, obj: Any, what: str, root: int = 0) -> Any:
        """``root``'s ``obj`` (pickled), on every process."""
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL) if self.rank == root else b""
        length = np.array([len(data)], dtype=np.int64)
        self.bcast_array(length, what, root)
        buffer = np.frombuffer(data, np.uint8).copy() if self.rank == root else None
        if buffer is None:
            buffer = np.empty(int(length[0]), np.uint8)
        self.bcast_array(buffer, what, root)
        return obj if self.rank == root else pickle.loads(buffer.tobytes())

    def allgather_object(self, obj: Any, what: str) -> list[Any]:
        """Every process's ``obj`` (pickled), in rank order, on every process."""
        data = np.frombuffer(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), np.uint8)
        lengths = np.zeros(self.size, dtype=np.int64)
        mine = np.array([data.size], dtype=np.int64)
        self._run(
            what,
            lambda: self.comm.Allgather(mine, lengths),
            lambda: self.comm.Iallgather(mine, lengths),
        )
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        gathered = np.empty(int(lengths.sum()), np.uint8)
        spec = [gathered, (lengths, offsets), self.MPI.BYTE]
        self._run(
            what,
            lambda: self.comm.Allgatherv(data, spec),
            lambda: self.comm.Iallgatherv(data, spec),
        )
        return [pickle.loads(gathered[o : o + n].tobytes()) for o, n in zip(offsets, lengths)]

    # -- errors that every process raises together ----------------------------------------

    def together(self, what: str, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` on every process. If it raises on any, every process raises (the
        lowest failing rank's error where it did not fail itself), so none is left waiting."""
        error: Exception | None = None
        try:
            result = func(*args)
        except Exception as exc:
            error = exc
        report = None if error is None else (type(error).__name__, str(error))
        self._raise_reported(error, self.allgather_object(report, what))
        return result

    def on_root(self, what: str, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` run on rank 0 only; its result (pickled), or its error, everywhere."""
        error: Exception | None = None
        result = None
        if self.rank == 0:
            try:
                result = func(*args)
            except Exception as exc:
                error = exc
        report = None if error is None else (type(error).__name__, str(error))
        report, result = self.bcast_object((report, result), what)
        self._raise_reported(error, [report])
        return result

    def _raise_reported(self, error: Exception | None, reports: list[Any]) -> None:
        failed = [(rank, report) for rank, report in enumerate(reports) if report is not None]
        if not failed:
            return
        if error is None:
            rank, (kind, message) = failed[0]
            error = _KINDS.get(kind, RuntimeError)(f"{message} (process {rank} of {self.size})")
        raise everywhere(error)

    def abort(self, code: int = 1) -> None:
        """End every process of the job (MPI_Abort): after an error only some processes saw,
        the others may be waiting in a collective operation that will never complete.

        The launcher forwards each process's output through a pipe and stops forwarding as
        soon as the job is aborted, so a message printed just before could be lost: the
        standard streams are flushed and the launcher is given a moment to pass them on."""
        sys.stdout.flush()
        sys.stderr.flush()
        time.sleep(_ABORT_GRACE)
        self.comm.Abort(code)

    # -- waiting ---------------------------------------------------------------------------

    def _run(self, what: str, blocking: Callable[[], Any], start: Callable[[], Any]) -> None:
        try:
            if self.timeout is None:
                blocking()
            else:
                self._wait(start(), what)
        except self.MPI.Exception as exc:
            raise DistributedError(
                f"process {self.rank} of {self.size}: MPI failed while {what}"
                f"{self.where()}: {exc.Get_error_string()}"
            ) from exc

    def _wait(self, request: Any, what: str) -> None:
        """Poll ``request`` until it completes or the deadline passes."""
        if request.Test():
            return
        start = time.monotonic()
        pause = 5e-5
        while not request.Test():
            now = time.monotonic()
            if now - start < _SPIN:
                _yield()
                continue
            if self.timeout is not None and now - start > self.timeout:
                raise DistributedError(
                    f"process {self.rank} of {self.size}: no answer from the other processes "
                    f"within {self.timeout:g} s while {what}{self.where()}; one of them has "
                    "probably died or hung (look for its error above). If a process is only "
                    "slow, raise the limit (timeout=..., --timeout)."
                )
            time.sleep(pause)
            pause = min(2 * pause, _MAX_PAUSE)
