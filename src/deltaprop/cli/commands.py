"""The work behind each ``deltaprop`` subcommand. Each returns an exit status."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import secrets
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DivergenceError
from ..training.config import TrainConfig
from .limits import check_network_memory, gradcheck_seconds
from .progress import EpochPrinter, ProgressBar
from .resume import RESUMED_OPTIONS, checkpointed, prepare

__all__ = ["RESUMED_OPTIONS", "CommandError", "evaluate", "gradcheck", "train"]


class CommandError(Exception):
    """A failure to report in one line (exit status 1)."""


def _reported(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the errors a user can cause and fix into one-line ``CommandError`` reports."""

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (ValueError, OSError, ImportError, DivergenceError) as exc:
            raise CommandError(str(exc) or type(exc).__name__) from exc

    return wrapper


def _load_data(args: argparse.Namespace) -> Any:
    if args.dataset == "digits":
        from ..io.digits import load_digits

        return load_digits(dtype=args.dtype)
    from ..io.mnist import load_mnist

    return load_mnist(args.data_dir, dtype=args.dtype)


def _out(args: argparse.Namespace, text: str) -> None:
    print(text, flush=True)


def _train_config(args: argparse.Namespace, seed: int | None) -> TrainConfig:
    """The TrainConfig the options give: each field has the option of the same name."""
    names = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "seed"]
    return TrainConfig(seed=seed, **{name: getattr(args, name) for name in names})


def _practice_summary(config: TrainConfig) -> str:
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


@_reported
def train(args: argparse.Namespace) -> int:
    if getattr(args, "distributed", False):
        from .distributed import train as train_distributed

        return train_distributed(args)
    from ..network import Network, NetworkConfig

    resumed = prepare(args)  # with --resume: the network and options of the checkpoint
    # Check the network options before the (possibly slow) data loading.
    if args.sizes:
        check_network_memory(args.sizes, args.dtype)
    NetworkConfig(
        tuple(args.sizes or (1, 1, 1)), args.activation, args.output_activation, args.cost,
        args.init, args.dtype,
    )  # fmt: skip
    config = _train_config(args, None)
    if args.validation_split is None and (config.schedule == "plateau" or config.patience):
        raise ValueError(
            "--schedule plateau and --patience watch the validation accuracy: add --validation "
            "N to hold out the last N training samples (MNIST's classic split: --validation "
            "10000), so that the test set stays unseen"
        )
    from .insight import TrainExtras
    from .outputs import Interruption, Outputs

    outputs = Outputs(args)  # --save, --checkpoint, --plots, --report: can they be written?
    extras = TrainExtras(args)  # --monitor, --plots, --report: checked before loading data
    data = _load_data(args)
    X, y = data.X_train, data.y_train
    if args.train_samples is not None:
        if args.train_samples <= 0:
            raise ValueError(f"--train-samples must be positive, got {args.train_samples}")
        X, y = X[: args.train_samples], y[: args.train_samples]
    n_classes = int(max(data.y_train.max(), data.y_test.max())) + 1
    sizes = args.sizes or [X.shape[1], 30, n_classes]
    if sizes[0] != X.shape[1] or sizes[-1] != n_classes:
        raise ValueError(
            f"--sizes {','.join(map(str, sizes))} does not fit the {args.dataset} data: the "
            f"input layer needs {X.shape[1]} neurons and the output layer {n_classes}, e.g. "
            f"--sizes {X.shape[1]},30,{n_classes}"
        )
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    config = dataclasses.replace(config, seed=seed)
    n_val = config.n_validation(X.shape[0])
    net = Network(
        sizes, args.activation, args.output_activation, args.cost, args.init, args.dtype, seed
    )
    c = net.config
    _out(
        args,
        f"deltaprop train: {list(sizes)} {c.activation}/{c.output_activation}, {c.cost} cost, "
        f"init {c.init}, {c.dtype}, seed {seed}\n"
        f"{args.dataset}: {X.shape[0] - n_val} training"
        f"{f', {n_val} validation' if n_val else ''} and {data.X_test.shape[0]} test "
        f"samples; batch {args.batch_size}, eta {args.eta:g}, {args.epochs} epochs; "
        f"{_practice_summary(config)}",
    )
    if resumed is not None:
        _out(args, f"Resuming from {args.checkpoint}: {resumed.state.epoch} epochs done")
    before, after = extras.callbacks(sizes)
    callbacks: list[Any] = list(before)
    if not args.quiet:
        callbacks.append(EpochPrinter())
        if sys.stderr.isatty():
            callbacks.append(ProgressBar())
    callbacks += after
    # Without --validation, the test set is measured after every epoch (the classic report).
    test = None if n_val else (data.X_test, data.y_test)
    guard = Interruption(args)  # without --checkpoint, Ctrl-C keeps the epochs done
    with checkpointed(args):
        history = guard.fit(
            net.fit, X, y, validation_data=test, callbacks=callbacks, checkpoint=args.checkpoint,
            checkpoint_every=args.checkpoint_every, resume=args.resume,
            **dataclasses.asdict(config),
        )  # fmt: skip
    best = history.best("val_accuracy")
    seconds = np.mean(history["seconds"])
    last = history.rows[-1]
    if "stopped" in last:
        _out(args, f"Stopped after epoch {last['epoch']}: {last['stopped']}")
    if best is not None:
        _out(
            args,
            f"Best{' validation' if n_val else ''}: epoch {best['epoch']}, "
            f"{best['val_correct']} / {best['val_n']} ({best['val_accuracy']:.2%}); "
            f"{seconds:.2f} s per epoch",
        )
    if n_val:
        kept = f"epoch {best['epoch']}" if config.patience and best else "the last epoch"
        scores = net.evaluate(data.X_test, data.y_test)
        line = f"Test ({kept}'s weights): cost {scores['cost']:.4f}"
        if "correct" in scores:
            line += f", {scores['correct']} / {scores['n']} ({scores['accuracy']:.2%})"
        _out(args, line)
    outputs.save_network(net)
    extras.finish(net, history, data, X, y, seed)
    return guard.exit_status(outputs)


@_reported
def evaluate(args: argparse.Namespace) -> int:
    from ..io.model import load

    net = load(args.model)
    args.dtype = net.config.dtype
    data = _load_data(args)
    scores = net.evaluate(data.X_test, data.y_test)
    line = f"{os.fspath(args.model)}: {net!r}\ntest cost {scores['cost']:.4f}"
    if "correct" in scores:
        line += f", accuracy {scores['correct']} / {scores['n']} ({scores['accuracy']:.2%})"
    _out(args, line)
    return 0


@_reported
def gradcheck(args: argparse.Namespace) -> int:
    from ..insight.gradcheck import gradcheck as run_check
    from ..network import Network

    sizes = args.sizes or [5, 4, 3]
    seed = args.seed if args.seed is not None else 0
    if args.samples <= 0:
        raise ValueError(f"--samples must be positive, got {args.samples}")
    check_network_memory(sizes, "float64")  # before a MemoryError can be the answer
    net = Network(
        sizes, args.activation, args.output_activation, args.cost, args.init, "float64", seed
    )
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((args.samples, sizes[0]))
    if net.activation_functions[-1].output_range == (0.0, 1.0) and sizes[-1] > 1:
        Y: Any = rng.integers(0, sizes[-1], args.samples)  # class labels, one-hot targets
    else:
        Y = rng.uniform(0.1, 0.9, (args.samples, sizes[-1]))
    gradcheck_seconds(lambda: net.cost(X, Y), net.n_parameters)  # said if long, refused if hours
    result = run_check(net, X, Y)
    ok = result.max_error <= args.tolerance
    _out(
        args,
        f"gradcheck: {net!r}, {args.samples} samples\n{result}\n"
        + ("OK" if ok else f"FAILED: above the tolerance {args.tolerance:g}"),
    )
    return 0 if ok else 1
