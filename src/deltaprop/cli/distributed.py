"""``deltaprop train --distributed``: one network trained by every process of an MPI job.

Run as ``mpiexec -n 4 deltaprop train --distributed ...``. Every process runs this code;
rank 0 alone prints, writes checkpoints and saves. An error that every process meets at the
same point (bad options, a diverged run) ends the job normally with status 1. An error only
some processes meet (or a process that stops answering within ``--timeout``) is reported by
the process that saw it, which then aborts the job so that no process is left waiting.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys
import traceback
from typing import Any

from ..errors import DistributedError, DivergenceError
from ..training.callbacks import Callback
from ..training.config import TrainConfig
from .experiment import apply_book_split
from .progress import EpochPrinter, ProgressBar
from .resume import PRACTICE_OPTIONS, RESUMED_OPTIONS, checkpointed, prepare

_REPORTED = (ValueError, OSError, ImportError, DivergenceError, DistributedError)


def train(args: argparse.Namespace) -> int:
    from ..scale.comm import Communicator, raised_everywhere

    comm = Communicator(timeout=args.timeout or None)
    try:
        return _train(args, comm)
    except Exception as exc:
        collective = raised_everywhere(exc)
        if comm.rank == 0 or not collective:
            where = f" (process {comm.rank} of {comm.size})" if comm.size > 1 else ""
            if str(exc).startswith(f"process {comm.rank} of"):
                where = ""  # the message says it already
            if isinstance(exc, _REPORTED):
                print(f"deltaprop train: error{where}: {exc}", file=sys.stderr, flush=True)
            else:
                print(f"deltaprop train: internal error{where}:", file=sys.stderr)
                traceback.print_exc()
                sys.stderr.flush()
        if not collective and comm.size > 1:
            comm.abort(1)  # the others may be waiting for this process: end them all
        return 1


def _load(args: argparse.Namespace, comm: Any) -> dict[str, Any]:
    """The data set's arrays: MNIST memory-mapped (each process reads only its rows), the
    small digits set in memory on every process."""
    if args.dataset == "digits":
        from ..io.digits import load_digits

        return comm.together("loading the data", lambda: load_digits(dtype=args.dtype)._asdict())
    from ..io.mnist import load_mnist
    from ..scale.data import shared_arrays

    return shared_arrays(comm, lambda: load_mnist(args.data_dir, dtype=args.dtype))


def _train(args: argparse.Namespace, comm: Any) -> int:
    from ..network import Network, NetworkConfig
    from ..scale.comm import everywhere
    from ..scale.distributed import fit_distributed

    def out(text: str) -> None:
        if comm.rank == 0:
            print(text, flush=True)

    def check_options() -> None:
        NetworkConfig(
            tuple(args.sizes or (1, 1, 1)), args.activation, args.output_activation, args.cost,
            args.init, args.dtype,
        )  # fmt: skip
        TrainConfig(args.epochs, args.batch_size, args.eta, args.shuffle)
        if args.train_samples is not None and args.train_samples <= 0:
            raise ValueError(f"--train-samples must be positive, got {args.train_samples}")
        # Their figures come from the rows one process sees: not offered for a split batch.
        given = [
            f"--{name}" for name in ("monitor", "plots", "report") if getattr(args, name, None)
        ]
        if given:
            raise ValueError(
                f"{', '.join(given)} cannot be used with --distributed; train with --save and "
                "look at the saved network with 'deltaprop diagnose', or run without "
                "--distributed"
            )
        # Distributed training runs plain SGD with a constant η: refuse the other training
        # options rather than ignore them.
        plain = TrainConfig()
        changed = [
            f"--{'validation' if name == 'validation_split' else name.replace('_', '-')}"
            for name in PRACTICE_OPTIONS if getattr(args, name) != getattr(plain, name)
        ]  # fmt: skip
        if changed:
            raise ValueError(
                f"{', '.join(changed)} cannot be used with --distributed yet: a distributed run "
                "trains by plain SGD with a constant eta; run without --distributed to use them"
            )

    # With --resume the network and options come from the checkpoint: rank 0 reads it.
    resumed, options = comm.on_root("reading the checkpoint", _prepare, args)
    vars(args).update(options)
    comm.together("checking the options", check_options)
    book = apply_book_split(args)  # no split chosen: the first 50,000 images, as the book
    data = _load(args, comm)
    X, y = data["X_train"], data["y_train"]
    if args.train_samples is not None:
        X, y = X[: args.train_samples], y[: args.train_samples]
    n_classes = int(max(data["y_train"].max(), data["y_test"].max())) + 1
    sizes = args.sizes or [X.shape[1], 30, n_classes]
    if sizes[0] != X.shape[1] or sizes[-1] != n_classes:
        raise everywhere(ValueError(
            f"--sizes {','.join(map(str, sizes))} does not fit the {args.dataset} data: the "
            f"input layer needs {X.shape[1]} neurons and the output layer {n_classes}, e.g. "
            f"--sizes {X.shape[1]},30,{n_classes}"
        ))  # fmt: skip
    seed = args.seed
    if seed is None:
        seed = comm.bcast_object(secrets.randbelow(2**31), "sharing the seed")
    net = Network(
        sizes, args.activation, args.output_activation, args.cost, args.init, args.dtype, seed
    )
    c, m = net.config, args.batch_size
    out(
        f"deltaprop train: {list(sizes)} {c.activation}/{c.output_activation}, {c.cost} cost, "
        f"init {c.init}, {c.dtype}, seed {seed}\n"
        f"{args.dataset}: {X.shape[0]} training and {data['X_test'].shape[0]} test samples{book}; "
        f"batch {m}, eta {args.eta:g}, {args.epochs} epochs\n"
        f"distributed over {comm.size} processes: each takes about {m / comm.size:.3g} rows "
        "of every mini-batch"
    )
    if resumed is not None:
        out(f"Resuming from {args.checkpoint}: {resumed} epochs done")
    clock = _Clock()
    callbacks: list[Any] = [clock]
    if comm.rank == 0 and not args.quiet:
        callbacks.append(EpochPrinter())
        if sys.stderr.isatty():
            callbacks.append(ProgressBar())
    with checkpointed(args) if comm.rank == 0 else contextlib.nullcontext():
        history = fit_distributed(
            net, X, y, epochs=args.epochs, batch_size=m, eta=args.eta,
            validation_data=(data["X_test"], data["y_test"]), shuffle=args.shuffle, seed=seed,
            callbacks=callbacks, comm=comm, checkpoint=args.checkpoint,
            checkpoint_every=args.checkpoint_every, resume=args.resume,
        )  # fmt: skip
    best = history.best("val_accuracy")
    if best is not None:
        out(
            f"Best: epoch {best['epoch']}, {best['val_correct']} / {best['val_n']} "
            f"({best['val_accuracy']:.2%}); {clock.seconds / max(clock.epochs, 1):.2f} s "
            "per epoch"
        )
    if clock.seconds > 0 and comm.allreduce_calls:
        out(
            f"Communication: {1e3 * comm.allreduce_seconds / comm.allreduce_calls:.3f} ms per "
            f"all-reduce, {comm.allreduce_seconds / clock.seconds:.1%} of the training time "
            "(waiting for the slowest process included)"
        )
    if args.save:
        comm.on_root("saving the network", net.save, args.save)
        out(f"Saved the network to {args.save}")
    return 0


def _prepare(args: argparse.Namespace) -> tuple[int | None, dict[str, Any]]:
    """Check the checkpoint options (see ``resume.prepare``); return the epochs the
    checkpoint holds (None for a new run) and the options it sets."""
    resumed = prepare(args)
    epoch = None if resumed is None else int(resumed.state.epoch)
    return epoch, {dest: getattr(args, dest) for dest in RESUMED_OPTIONS}


class _Clock(Callback):
    """Adds up the training time of the epochs this run computes (not resumed ones)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.epochs = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.seconds += logs["seconds"]
        self.epochs += 1
