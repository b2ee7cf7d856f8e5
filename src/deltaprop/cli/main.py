"""The ``deltaprop`` command: argument parsing and dispatch.

``main(argv)`` returns the exit status: 0 on success, 2 for usage errors (from argparse), 1 for
other failures (missing data, a bad file, a diverged run), each reported in one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from ..backends import BACKENDS
from ..errors import CommandError
from ..explore import command as explore
from . import commands, insight, predict
from .common import say
from .data import LOOKUP, UsageError, add_data_options
from .limits import positive_float
from .options import add_network_options, add_training_options, fill_defaults
from .parser import Parser, completion_hook, positive_int


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds ≥ 0, got {text!r}")
    return value


def _add_distributed_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "distributed training", "run as: mpiexec -n N deltaprop train --distributed ..."
    )
    g.add_argument(
        "--distributed",
        action="store_true",
        help="train one network on every process of the MPI job, each computing its part of "
        "every mini-batch (needs the mpi extra: pip install 'deltaprop[mpi]')",
    )
    g.add_argument(
        "--timeout",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="how long a process waits for the others before ending the job with an error; "
        "0 waits forever (default: %(default)g)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``deltaprop`` command's argument parser, with every subcommand and option.

    Returns
    -------
    argparse.ArgumentParser
        Its ``--help`` is the command's documentation; the documentation's tests check each
        command line they show with it.

    Examples
    --------
    >>> args = build_parser().parse_args(["train", "--sizes", "784,100,10", "--eta", "0.5"])
    >>> args.command, args.sizes, args.eta
    ('train', [784, 100, 10], 0.5)
    >>> args.epochs is None        # not given: the checkpoint's, or the default (30), later
    True
    """
    parser = Parser(
        prog="deltaprop",
        description="Train feedforward networks by backpropagation (BP1–BP4), matrix-based.",
        epilog=f"MNIST is looked for in {LOOKUP}; 'deltaprop download' fetches it.",
    )
    parser.add_argument("--version", action="version", version=f"deltaprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_train(sub)
    predict.add_parsers(sub, add_data_options)
    _add_gradcheck(sub)
    insight.add_parsers(sub, add_network_options, add_data_options)
    explore.add_parser(sub)
    _add_completion(sub)
    parser.subcommands = sub.choices  # type: ignore[attr-defined]
    return parser


def _add_gradcheck(sub: Any) -> None:
    p = sub.add_parser(
        "gradcheck",
        help="check backprop against finite differences on a small random network",
        description="Build a small random network and data, and compare the gradient from "
        "BP1–BP4 with centred finite differences in float64, layer by layer.",
    )
    add_network_options(p, "layer widths (default: 5,4,3)", dtype=False, hidden=False)
    p.add_argument(
        "--samples",
        type=positive_int,
        default=8,
        metavar="N",
        help="rows of random inputs (and targets) the gradient is taken over "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--tolerance",
        type=positive_float,
        default=1e-7,
        help="largest relative error that passes (default: %(default)g)",
    )
    p.set_defaults(func=commands.gradcheck)


def _add_completion(sub: Any) -> None:
    p = sub.add_parser(
        "completion",
        help="print the shell code that completes deltaprop's commands and options",
        description="Print the code that makes SHELL complete deltaprop's subcommands and "
        "options (generated from this parser by argcomplete: pip install "
        "'deltaprop[completion]'); e.g. add  eval \"$(deltaprop completion bash)\"  to "
        "~/.bashrc.",
    )
    p.add_argument("shell", choices=["bash", "zsh", "fish"], help="the shell to complete in")
    p.set_defaults(func=commands.completion)


def _add_backend(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default="numpy",
        help="the array library that trains: numpy; jax runs each epoch as one compiled "
        "program (pip install 'deltaprop[jax]'); cupy and torch on their default devices "
        "(default: %(default)s); a resumed run may change it",
    )


def _add_train(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train a network (default: the classic MNIST experiment)",
        description="Train by mini-batch SGD. With no options: the book's experiment, "
        "[784, 30, 10], sigmoid, quadratic cost, batch 10, eta 3.0, 30 epochs on the first "
        "50,000 MNIST training images, printing the accuracy on the 10,000 test images after "
        "each epoch. --data FILE trains on your own samples instead.",
    )
    add_network_options(
        p,
        "all the layer widths, input first (default: the data's "
        "inputs, --hidden, the data's outputs)",
    )
    add_data_options(p).add_argument(
        "--train-samples",
        type=positive_int,
        metavar="N",
        help="train on the first N training samples (default: MNIST's first 50000, as the "
        "book, unless --validation is given; 60000 uses them all)",
    )
    add_training_options(p)
    _add_backend(p)
    g = p.add_argument_group("output")
    g.add_argument("--save", metavar="FILE", help="write the trained network to FILE (.npz)")
    g.add_argument("--quiet", action="store_true", help="print only the final summary")
    g = p.add_argument_group("checkpoints")
    g.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="save the full training state to FILE (.npz) after every epoch, atomically; "
        "Ctrl-C saves the last completed epoch and prints how to resume",
    )
    g.add_argument(
        "--checkpoint-every",
        type=positive_int,
        default=1,
        metavar="N",
        help="save every N epochs instead (default: %(default)s)",
    )
    g.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in --checkpoint FILE with its network and options "
        "(--epochs and --eta may change; another value of any other option is refused); a "
        "missing FILE starts a new run",
    )
    insight.add_train_options(p)
    _add_distributed_options(p)
    p.set_defaults(func=commands.train)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``deltaprop``.

    Returns
    -------
    int
        0 on success, 1 for a failure (reported in one line on stderr), 130 after Ctrl-C;
        usage errors (a misspelt flag, a bad value) print the subcommand's usage and exit
        with status 2 (``SystemExit``).

    Examples
    --------
    >>> main(["gradcheck", "--sizes", "6,5,4", "--activation", "relu",
    ...       "--output-activation", "softmax", "--cost", "cross-entropy"])  # doctest: +ELLIPSIS
    gradcheck: Network([6, 5, 4], activation='relu', ...), 8 samples, seed ...
    layer   dC/dw rel. error   dC/db rel. error   parameters checked
    ...
    OK
    0
    """
    parser = build_parser()
    completion_hook(parser)
    args = parser.parse_args(argv)
    if args.command != "train":  # train fills them in itself (from a checkpoint, maybe)
        fill_defaults(args, training=False)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:  # a bad value: the subcommand's usage, status 2
        command: Parser = parser.subcommands[args.command]  # type: ignore[attr-defined]
        command.error(str(exc))
    except CommandError as exc:
        print(f"deltaprop {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        say(f"deltaprop {args.command}: interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
