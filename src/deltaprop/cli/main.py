"""The ``deltaprop`` command: argument parsing and dispatch.

``main(argv)`` returns the exit status: 0 on success, 2 for usage errors (from argparse), 1 for
other failures (missing data, a bad file, a diverged run), each reported in one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._version import __version__
from ..backends import BACKENDS
from ..errors import CommandError
from ..explore import command as explore
from . import commands, insight
from .limits import positive_float
from .options import add_network_options, add_training_options, fill_defaults


def _add_data_options(p: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    g = p.add_argument_group("data")
    g.add_argument(
        "--dataset", default="mnist", choices=["mnist", "digits"],
        help="mnist (60,000 + 10,000 images of 28×28) or digits (scikit-learn's 8×8 "
        "digits, offline) (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--data-dir", metavar="DIR",
        help="directory holding the four MNIST IDX files (default: $DELTAPROP_DATA, "
        "then the user cache, downloading there if needed)",
    )  # fmt: skip
    return g


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
        "--distributed", action="store_true",
        help="train one network on every process of the MPI job, each computing its part of "
        "every mini-batch (needs the mpi extra: pip install 'deltaprop[mpi]')",
    )  # fmt: skip
    g.add_argument(
        "--timeout", type=_seconds, default=300.0, metavar="SECONDS",
        help="how long a process waits for the others before ending the job with an error; "
        "0 waits forever (default: %(default)g)",
    )  # fmt: skip


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
    parser = argparse.ArgumentParser(
        prog="deltaprop",
        description="Train feedforward networks by backpropagation (BP1–BP4), matrix-based.",
    )
    parser.add_argument("--version", action="version", version=f"deltaprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "train",
        help="train a network (default: the classic MNIST experiment)",
        description="Train by mini-batch SGD. With no options: the book's experiment, "
        "[784, 30, 10], sigmoid, quadratic cost, batch 10, eta 3.0, 30 epochs on the first "
        "50,000 MNIST training images, printing the accuracy on the 10,000 test images after "
        "each epoch.",
    )
    add_network_options(p, "layer widths, input first (default: n_features,30,10)")
    _add_data_options(p).add_argument(
        "--train-samples", type=int, metavar="N",
        help="train on the first N training samples (default: MNIST's first 50000, as the "
        "book, unless --validation is given; 60000 uses them all)",
    )  # fmt: skip
    add_training_options(p)
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default="numpy",
        help="the array library that trains: numpy; jax runs each epoch as one compiled "
        "program (pip install 'deltaprop[jax]'); cupy and torch on their default devices "
        "(default: %(default)s); a resumed run may change it",
    )
    g = p.add_argument_group("output")
    g.add_argument("--save", metavar="FILE", help="write the trained network to FILE (.npz)")
    g.add_argument("--quiet", action="store_true", help="print only the final summary")
    g = p.add_argument_group("checkpoints")
    g.add_argument(
        "--checkpoint", metavar="FILE",
        help="save the full training state to FILE (.npz) after every epoch, atomically; "
        "Ctrl-C saves the last completed epoch and prints how to resume",
    )  # fmt: skip
    g.add_argument(
        "--checkpoint-every", type=int, default=1, metavar="N",
        help="save every N epochs instead (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--resume", action="store_true",
        help="continue the run saved in --checkpoint FILE with its network and options "
        "(--epochs and --eta may change; another value of any other option is refused); a "
        "missing FILE starts a new run",
    )  # fmt: skip
    insight.add_train_options(p)
    _add_distributed_options(p)
    p.set_defaults(func=commands.train)

    p = sub.add_parser(
        "evaluate",
        help="measure a saved network on the test data",
        description="Load a network saved with --save and report its accuracy and cost on "
        "the test set.",
    )
    p.add_argument("model", metavar="MODEL.npz", help="a file written by 'deltaprop train --save'")
    _add_data_options(p)
    p.set_defaults(func=commands.evaluate)

    p = sub.add_parser(
        "gradcheck",
        help="check backprop against finite differences on a small random network",
        description="Build a small random network and data, and compare the gradient from "
        "BP1–BP4 with centred finite differences in float64, layer by layer.",
    )
    add_network_options(p, "layer widths (default: 5,4,3)", dtype=False)
    p.add_argument("--samples", type=int, default=8, metavar="N", help="rows of random data")
    p.add_argument(
        "--tolerance", type=positive_float, default=1e-7,
        help="largest relative error that passes (default: %(default)g)",
    )  # fmt: skip
    p.set_defaults(func=commands.gradcheck)

    insight.add_parsers(sub, add_network_options, _add_data_options)
    explore.add_parser(sub)
    return parser


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
        usage errors exit with status 2 (``SystemExit``, from argparse).

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
    args = parser.parse_args(argv)
    if args.command != "train":  # train fills them in itself (from a checkpoint, maybe)
        fill_defaults(args, training=False)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"deltaprop {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"deltaprop {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
