"""The ``deltaprop`` command: argument parsing and dispatch.

``main(argv)`` returns the exit status: 0 on success, 2 for usage errors (from argparse), 1 for
other failures (missing data, a bad file, a diverged run), each reported in one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from . import commands, insight
from .limits import positive_float


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer widths such as 784,30,10, got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(
            f"need at least two positive layer widths such as 784,30,10, got {text!r}"
        )
    return sizes


def _split(text: str) -> float | int:
    """--validation: a number of rows (10000) or a fraction (0.1)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of rows such as 10000 or a fraction such as 0.1, got {text!r}"
        ) from None


def _add_practice_options(p: argparse.ArgumentParser) -> None:
    """Optimiser, regularisation, schedule, validation and early-stopping options; each
    ``dest`` is the name of a TrainConfig field."""
    g = p.add_argument_group("optimiser")
    g.add_argument(
        "--optimizer", default="sgd", choices=["sgd", "momentum", "nesterov", "adam"],
        help="how gradients update the parameters (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--momentum", type=float, default=0.9, metavar="μ",
        help="momentum μ of the momentum and nesterov optimisers (default: %(default)s)",
    )  # fmt: skip
    g.add_argument("--beta1", type=float, default=0.9, help="Adam's β1 (default: %(default)s)")
    g.add_argument("--beta2", type=float, default=0.999, help="Adam's β2 (default: %(default)s)")
    g.add_argument("--epsilon", type=float, default=1e-8, help="Adam's ε (default: %(default)g)")
    g = p.add_argument_group("regularisation")
    g.add_argument(
        "--l2", type=float, default=0.0, metavar="λ",
        help="L2 penalty (λ/2n) Σ w²: each step w → (1 − ηλ/n) w − η∇w, n the number of "
        "training samples; biases are not regularised (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--l1", type=float, default=0.0, metavar="λ",
        help="L1 penalty (λ/n) Σ |w| (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--dropout", type=float, default=0.0, metavar="p",
        help="drop each hidden neuron with probability p in training (default: %(default)s)",
    )  # fmt: skip
    g = p.add_argument_group("schedule, validation and early stopping")
    g.add_argument(
        "--schedule", default="constant", choices=["constant", "plateau", "cosine"],
        help="learning rate per epoch: constant; plateau halves η after --plateau-patience "
        "epochs without a better validation accuracy and stops at η/128; cosine brings η "
        "down to 0 over the epochs (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--plateau-patience", type=int, default=10, metavar="N",
        help="epochs without improvement before plateau halves η (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--validation", dest="validation_split", type=_split, metavar="N",
        help="hold out the last N training samples (or a fraction such as 0.1) as validation "
        "data, measured every epoch instead of the test set; MNIST's classic split is "
        "--validation 10000",
    )  # fmt: skip
    g.add_argument(
        "--patience", type=int, metavar="N",
        help="early stopping: stop after N epochs without a better validation accuracy and "
        "keep the best epoch's weights (needs --validation)",
    )  # fmt: skip


def _add_network_options(p: argparse.ArgumentParser, sizes_help: str) -> None:
    g = p.add_argument_group("network")
    g.add_argument("--sizes", type=_sizes, metavar="N,N,...", help=sizes_help)
    g.add_argument(
        "--activation", default="sigmoid", metavar="NAME",
        help="σ of the hidden layers: sigmoid, tanh, relu, identity (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--output-activation", metavar="NAME",
        help="σ of the output layer, also softmax (default: same as --activation)",
    )  # fmt: skip
    g.add_argument(
        "--cost", default="quadratic", metavar="NAME",
        help="quadratic or cross-entropy (log-likelihood with softmax) (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--init", default="normal", choices=["normal", "scaled"],
        help="initial weights: N(0, 1) or N(0, 1/n_in) (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--dtype", default="float32", choices=["float32", "float64"],
        help="floating-point type of parameters and computation (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--seed", type=int, metavar="N",
        help="seeds the initial weights and the shuffling (default: a fresh seed, printed)",
    )  # fmt: skip


def _add_data_options(p: argparse.ArgumentParser) -> None:
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
    >>> args.command, args.sizes, args.eta, args.epochs
    ('train', [784, 100, 10], 0.5, 30)
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
        description="Train by mini-batch SGD. With no options: the classic experiment, "
        "[784, 30, 10], sigmoid, quadratic cost, batch 10, eta 3.0, 30 epochs on MNIST, "
        "printing test accuracy after each epoch.",
    )
    _add_network_options(p, "layer widths, input first (default: n_features,30,10)")
    _add_data_options(p)
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=int, default=30, metavar="N", help="default: %(default)s")
    g.add_argument(
        "--batch-size", type=int, default=10, metavar="M",
        help="mini-batch size m (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--eta", type=float, default=3.0, metavar="η", help="learning rate (default: %(default)s)"
    )
    g.add_argument(
        "--no-shuffle", dest="shuffle", action="store_false",
        help="keep the training data in order instead of reshuffling every epoch",
    )  # fmt: skip
    g.add_argument(
        "--train-samples", type=int, metavar="N",
        help="train on the first N training samples only (a quick run)",
    )  # fmt: skip
    _add_practice_options(p)
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
        "(--epochs and --eta may change them); a missing FILE starts a new run",
    )  # fmt: skip
    insight.add_train_options(p)
    _add_distributed_options(p)
    p.set_defaults(func=commands.train)
    p.set_defaults(option_defaults={d: p.get_default(d) for d in commands.RESUMED_OPTIONS})

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
    _add_network_options(p, "layer widths (default: 5,4,3)")
    p.add_argument("--samples", type=int, default=8, metavar="N", help="rows of random data")
    p.add_argument(
        "--tolerance", type=positive_float, default=1e-7,
        help="largest relative error that passes (default: %(default)g)",
    )  # fmt: skip
    p.set_defaults(func=commands.gradcheck)

    insight.add_parsers(sub, _add_network_options, _add_data_options)
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
    gradcheck: Network([6, 5, 4], activation='relu', ...), 8 samples
    layer   dC/dw rel. error   dC/db rel. error   parameters checked
    ...
    OK
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except commands.CommandError as exc:
        print(f"deltaprop {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"deltaprop {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
