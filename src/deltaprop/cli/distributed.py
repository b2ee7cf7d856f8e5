"""``deltaprop train --distributed``: one network trained by every process of an MPI job.

Run as ``mpiexec -n 4 deltaprop train --distributed ...``. Every process runs this code;
rank 0 alone prints, writes checkpoints and saves. An error that every process meets at the
same point (bad options, a diverged run) ends the job normally with status 1. An error only
some processes meet (or a process that stops answering within ``--timeout``) is reported by
the process that saw it, which then aborts the job so that no process is left waiting.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from typing import Any

from .common import REPORTED
from .train import Job, run


def train(args: argparse.Namespace) -> int:
    from ..scale.comm import Communicator, raised_everywhere

    comm = Communicator(timeout=args.timeout or None)
    args.processes = comm.size
    try:
        _same_command(comm, args)
        return run(args, MPIJob(comm))
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM, maybe on this process alone
        if comm.size > 1:
            print(
                f"deltaprop train: interrupted (process {comm.rank} of {comm.size}): ending "
                "the job",
                file=sys.stderr,
            )
            comm.abort(130)  # the others would wait for this one until --timeout
        raise
    except Exception as exc:
        collective = raised_everywhere(exc)
        if comm.rank == 0 or not collective:
            where = f" (process {comm.rank} of {comm.size})" if comm.size > 1 else ""
            if str(exc).startswith(f"process {comm.rank} of"):
                where = ""  # the message says it already
            if isinstance(exc, REPORTED):
                print(f"deltaprop train: error{where}: {exc}", file=sys.stderr, flush=True)
            else:
                print(f"deltaprop train: internal error{where}:", file=sys.stderr)
                traceback.print_exc()
                sys.stderr.flush()
        if not collective and comm.size > 1:
            comm.abort(1)  # the others may be waiting for this process: end them all
        return 1


def _same_command(comm: Any, args: argparse.Namespace) -> None:
    """Every process must run the same command: a process given another option (``--save``
    on one rank alone, another ``--eta``) would otherwise wait for the others forever, or
    silently train with rank 0's value. Refuse, naming the option and the processes."""
    from ..scale.comm import everywhere
    from .options import flag_of

    mine = {k: repr(v) for k, v in sorted(vars(args).items()) if k not in ("func", "processes")}
    everyone = comm.allgather_object(mine, "comparing the command lines")
    for rank, theirs in enumerate(everyone):
        diff = [
            f"{flag_of(k)} {theirs.get(k)} (process 0: {everyone[0].get(k)})"
            for k in sorted(set(theirs) | set(everyone[0]))
            if theirs.get(k) != everyone[0].get(k)
        ]
        if diff:
            from ..errors import DistributedError

            raise everywhere(
                DistributedError(
                    f"process {rank} was started with {'; '.join(diff)}: start every process of "
                    "the job with the same command"
                )
            )


def _load(args: argparse.Namespace, comm: Any) -> dict[str, Any]:
    """The data set's arrays: MNIST memory-mapped (each process reads only its rows), the
    small digits set and the user's own table in memory on every process."""
    if args.dataset == "digits" or getattr(args, "data", None) is not None:
        from dataclasses import asdict

        from .data import load_data

        return comm.together("loading the data", lambda: asdict(load_data(args)))
    from ..io.mnist import load_mnist
    from ..scale.data import shared_arrays

    return shared_arrays(
        comm,
        lambda: load_mnist(args.data_dir, dtype=args.dtype, download=False, given_as="--data-dir"),
    )


class MPIJob(Job):
    """Every process of the MPI job trains the network, each computing its part of every
    mini-batch (``deltaprop.scale.fit_distributed``); rank 0 reads the checkpoint, prints and
    writes files."""

    def __init__(self, comm: Any) -> None:
        self.comm = comm
        self.rank, self.size = comm.rank, comm.size

    def on_root(self, what: str, func: Callable[..., Any], *args: Any) -> Any:
        return self.comm.on_root(what, func, *args)

    def together(self, what: str, func: Callable[..., Any], *args: Any) -> Any:
        return self.comm.together(what, func, *args)

    def share(self, value: Any, what: str) -> Any:
        return self.comm.bcast_object(value, what)

    def load(self, args: argparse.Namespace) -> Any:
        from .data import Data

        return Data(**_load(args, self.comm))

    def fit(self, net: Any, X: Any, y: Any, **kwargs: Any) -> Any:
        from ..scale.distributed import fit_distributed

        return fit_distributed(net, X, y, comm=self.comm, **kwargs)

    def header(self, args: argparse.Namespace) -> str:
        return (
            f"\ndistributed over {self.size} processes: each takes about "
            f"{args.batch_size / self.size:.3g} rows of every mini-batch"
        )

    def summary(self, history: Any) -> str:
        comm, seconds = self.comm, sum(history["seconds"])
        if not (seconds > 0 and comm.allreduce_calls):
            return ""
        return (
            f"Communication: {1e3 * comm.allreduce_seconds / comm.allreduce_calls:.3f} ms per "
            f"all-reduce, {comm.allreduce_seconds / seconds:.1%} of the training time "
            "(waiting for the slowest process included)"
        )
