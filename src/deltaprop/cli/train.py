"""``deltaprop train``: one run setup, for one process and for every process of an MPI job.

:func:`run` checks the options (taking them from the checkpoint with ``--resume``), loads the
data, builds the network, trains it with every option given and reports; a :class:`Job`
says where: here, in one process, or (``deltaprop.cli.distributed``) on every process of an
MPI job, where rank 0 alone reads the checkpoint, prints and writes files.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import secrets
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.model import NetworkConfig
from .advice import chance_hint
from .common import out
from .data import (
    UsageError,
    check_data_options,
    classes_line,
    load_data,
    n_outputs,
    sizes_for,
)
from .experiment import apply_book_split
from .limits import check_network_memory
from .options import network_options, train_config
from .outputs import Interruption, Outputs
from .progress import epoch_output
from .resume import checkpointed, prepare
from .train_extras import TrainExtras

__all__ = ["Job", "run"]


class Job:
    """Where a run trains: this process alone."""

    rank, size = 0, 1

    def on_root(self, what: str, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` on the process that reads and writes files, its result shared."""
        return func(*args)

    def together(self, what: str, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)`` on every process; an error on any is raised on all."""
        return func(*args)

    def share(self, value: Any, what: str) -> Any:
        """Rank 0's ``value`` on every process."""
        return value

    def load(self, args: argparse.Namespace) -> Any:
        """The data set, with ``X_train``, ``y_train``, ``X_test`` and ``y_test``."""
        return load_data(args)

    def fit(self, net: Any, X: Any, y: Any, **kwargs: Any) -> Any:
        return net.fit(X, y, **kwargs)

    def header(self, args: argparse.Namespace) -> str:
        """A line the header adds about the job (none for one process)."""
        return ""

    def summary(self, history: Any) -> str:
        """A line the report adds at the end (none for one process)."""
        return ""


def _check(args: argparse.Namespace) -> tuple[TrainExtras, Outputs]:
    """The options that need no data, and where the run will write, checked before the
    (possibly slow) data loading."""
    check_data_options(args)
    if args.sizes:
        check_network_memory(args.sizes, args.dtype)
    try:  # options that contradict each other: a usage error
        NetworkConfig(tuple(args.sizes or (1, 1, 1)), *network_options(args))
        config = train_config(args, None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.validation_split is None and (config.schedule == "plateau" or config.patience):
        raise UsageError(
            "--schedule plateau and --patience watch the validation accuracy: add --validation "
            "N to hold out the last N training samples (MNIST's classic split: --validation "
            "10000), so that the test set stays unseen"
        )
    outputs = Outputs(args)  # --save, --checkpoint, --plots, --report: can they be written?
    return TrainExtras(args), outputs  # --monitor, --plots, --report


def _fits(args: argparse.Namespace, config: Any, data: Any, X: Any) -> tuple[list[int], int]:
    """The layer sizes (given, or the data's inputs, --hidden, the data's outputs) checked
    against the data, and the validation rows held out."""
    sizes = sizes_for(args, X.shape[1], n_outputs(data))
    try:
        return sizes, config.n_validation(X.shape[0])
    except ValueError:
        raise UsageError(
            f"--validation {config.validation_split} would hold out {_rows(config, X)} of the "
            f"{X.shape[0]} training rows; leave at least one row for training and one for "
            f"validation (e.g. --validation {max(1, X.shape[0] // 6)} or --validation 0.1)"
        ) from None


def _rows(config: Any, X: Any) -> int:
    split = config.validation_split  # as TrainConfig.n_validation counts them
    return int(split) if isinstance(split, int) else math.ceil(split * X.shape[0])


def _summary(config: Any) -> str:
    """The options that differ from plain SGD with a constant η, for the header line."""
    c, parts = config, [f"optimizer {config.optimizer}"]
    if c.optimizer in ("momentum", "nesterov"):
        parts[0] += f" (μ {c.momentum:g})"
    parts += [f"{k} {getattr(c, k):g}" for k in ("l2", "l1", "dropout") if getattr(c, k)]
    if c.schedule != "constant":
        parts.append(f"{c.schedule} schedule")
    if c.patience:
        parts.append(f"patience {c.patience}")
    return ", ".join(parts)


def _prepare(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """Rank 0's reading of the checkpoint: (epochs done and why the run stopped, or None for
    a new run; the options as filled in)."""
    ck = prepare(args)
    resumed = None if ck is None else (int(ck.state.epoch), ck.state.stopped)
    return resumed, dict(vars(args))


def _header(
    args: argparse.Namespace,
    job: Job,
    net: Any,
    config: Any,
    data: Any,
    n_train: int,
    n_val: int,
    book: str,
) -> str:
    """The run's header: the network, then the data and the training options, then the
    classes' names."""
    c = net.config
    validation = f", {n_val} validation" if n_val else ""
    lines = [
        f"deltaprop train: {list(net.sizes)} {c.activation}/{c.output_activation}, {c.cost} "
        f"cost, init {c.init}, {c.dtype}, seed {c.seed}",
        f"{args.dataset}: {n_train} training{validation} and {data.X_test.shape[0]} test "
        f"samples{book}{getattr(data, 'note', '')}; batch {config.batch_size}, "
        f"eta {config.eta:g}, {config.epochs} epochs; {_summary(config)}{job.header(args)}",
        classes_line(getattr(data, "classes", None)),  # empty unless the classes have names
    ]
    return "\n".join(line for line in lines if line)


def _say_resumed(args: argparse.Namespace, done: int, stopped: str | None) -> None:
    out(args, f"Resuming from {args.checkpoint}: {done} epochs done")
    if stopped:
        out(
            args,
            f"The run stopped itself after epoch {done} ({stopped}): it is finished, "
            "nothing more to train",
        )


def run(args: argparse.Namespace, job: Job) -> int:
    """Train as the options say, on ``job``; returns the exit status."""
    from ..network import Network

    args.printing = job.rank == 0
    resumed, filled = job.on_root("reading the checkpoint", _prepare, args)
    vars(args).update({k: v for k, v in filled.items() if k not in ("func", "printing")})
    extras, outputs = job.together("checking the options", _check, args)
    book = apply_book_split(args)  # no split chosen: the first 50,000 images, as the book
    data = job.load(args)
    X, y = data.X_train, data.y_train
    if args.train_samples is not None:
        X, y = X[: args.train_samples], y[: args.train_samples]
    seed = args.seed
    if seed is None:
        seed = job.share(secrets.randbelow(2**31), "sharing the seed")
    config = train_config(args, seed)
    sizes, n_val = job.together("checking the data", _fits, args, config, data, X)
    net = Network(sizes, *network_options(args), seed, args.backend)
    out(args, _header(args, job, net, config, data, X.shape[0] - n_val, n_val, book))
    if resumed is not None:
        _say_resumed(args, *resumed)
    before, after = extras.callbacks(sizes)
    shown = epoch_output(args.quiet) if args.printing else []
    callbacks: list[Any] = [*before, *shown, *after]
    # Without --validation, the test set is measured after every epoch (the classic report).
    test = None if n_val else (data.X_test, data.y_test)
    extras.start(net, data, X, y, seed, config)  # what the report says about the run
    # Without --checkpoint, Ctrl-C finishes the step and keeps the epochs done (one process)
    guard = Interruption(args, active=job.size == 1)
    with checkpointed(args) if job.rank == 0 else contextlib.nullcontext(), extras.running():
        history = guard.fit(
            job.fit,
            net,
            X,
            y,
            test_data=test,
            callbacks=callbacks,
            checkpoint=args.checkpoint,
            checkpoint_every=args.checkpoint_every,
            resume=args.resume,
            verbose=0,
            config=config,
        )
    _report(args, job, net, history, config, data, n_val)
    job.on_root("saving the network", outputs.save_network, net, getattr(data, "classes", None))
    status = f"interrupted after epoch {len(history)}" if guard.interrupted else None
    job.on_root("writing the run's figures", extras.finish, history, status)
    return guard.exit_status(outputs)


def _report(
    args: argparse.Namespace, job: Job, net: Any, history: Any, config: Any, data: Any, n_val: int
) -> None:
    """The closing lines: why the run stopped, its best epoch, the test figures."""
    if not len(history):
        return
    measured = "val" if n_val else "test"  # the data measured after each epoch
    best = history.best(f"{measured}_accuracy")
    seconds = np.mean(history["seconds"])
    last = history.rows[-1]
    if "stopped" in last:
        out(args, f"Stopped after epoch {last['epoch']}: {last['stopped']}", result=True)
    if best is not None:
        out(
            args,
            f"Best {'validation' if n_val else 'test'} accuracy: epoch {best['epoch']}, "
            f"{best[measured + '_correct']} / {best[measured + '_n']} "
            f"({best[measured + '_accuracy']:.2%}); "
            f"{seconds:.2f} s per epoch",
            result=True,
        )
    if n_val:
        kept = f"epoch {best['epoch']}" if config.patience and best else "the last epoch"
        scores = net.evaluate(data.X_test, data.y_test)
        line = f"Test ({kept}'s weights): cost {scores['cost']:.4f}"
        if "correct" in scores:
            line += f", {scores['correct']} / {scores['n']} ({scores['accuracy']:.2%})"
        out(args, line, result=True)
    hint = chance_hint(history, net.sizes[-1], config.eta, net.config.cost)
    if hint:
        out(args, hint, result=True)
    line = job.summary(history)
    if line:
        out(args, line)
