"""The data a command works on: MNIST, the shipped 8x8 digits, or the user's own table.

``--dataset mnist`` (the default) looks for MNIST where :data:`LOOKUP` says, and never
downloads (``deltaprop download`` does, while online), so a machine without it fails at once
with one line saying where it looked. ``--data FILE`` reads the user's ``.csv``, ``.npy`` or
``.npz`` table with :func:`deltaprop.io.tables.read_table` (``--test FILE`` gives the test set;
without it a fixed fifth of the rows, drawn at random, is held out and the header line says
so). ``--hidden 30,30`` gives the hidden layers, and the input and output layers follow the
data; ``--sizes`` still gives them all.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import CommandError

__all__ = [
    "LOOKUP",
    "Data",
    "UsageError",
    "add_data_options",
    "check_named",
    "classes_line",
    "load_data",
    "n_outputs",
    "sizes_for",
    "targets_of",
]

#: where --dataset mnist looks, in order (the same words in --help, the README and the guide)
LOOKUP = (
    "--data-dir DIR, then $DELTAPROP_DATA, then the user cache (~/.cache/deltaprop/mnist, "
    "where 'deltaprop download' puts it), then a source checkout's data/mnist"
)
#: the share of a --data file held out as the test set when no --test is given, and the seed
#: of the draw (fixed, so that a resumed run holds out the same rows)
TEST_FRACTION, TEST_SEED = 0.2, 0


class UsageError(CommandError):
    """A bad value on the command line, said in the flag's words: the command prints the
    subcommand's usage and exits with status 2."""


@dataclass
class Data:
    """A train/test split: X (n, d) float arrays, y (n,) labels or targets, and how it was
    made (for the header line)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    note: str = ""  # how the test set was chosen, when deltaprop chose it
    classes: tuple[str, ...] | None = None  # the name of each class, when the file names them

    def n_outputs(self) -> int:
        """The output layer the data need: one neuron per class, or one for real targets."""
        return n_outputs(self)


def n_outputs(data: Any) -> int:
    """The output layer a split (``y_train``, ``y_test``) needs: one neuron per class, or
    one for real-valued targets."""
    if np.asarray(data.y_train).dtype.kind == "f":
        return 1
    if getattr(data, "classes", None) is not None:
        return len(data.classes)
    return int(max(np.max(data.y_train), np.max(data.y_test))) + 1


def add_data_options(p: argparse.ArgumentParser, *, test: bool = True) -> Any:
    """``--dataset``, ``--data-dir``, ``--data`` (``--test``) and ``--label``."""
    g = p.add_argument_group("data")
    g.add_argument(
        "--dataset",
        choices=["mnist", "digits"],
        help="mnist (60,000 + 10,000 images of 28×28) or digits (1,797 images of 8×8, "
        "shipped with deltaprop: no download) (default: mnist)",
    )
    g.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"directory holding the four MNIST IDX files; MNIST is looked for in {LOOKUP}",
    )
    g.add_argument(
        "--data",
        metavar="FILE",
        help="your own samples: a .csv (optional header line), .npy or .npz file, one "
        "sample per row, the class in the last column (or --label NAME): a number 0, 1, 2, … "
        "or a name (the names, sorted, are the classes 0, 1, 2, …)",
    )
    if test:
        g.add_argument(
            "--test",
            metavar="FILE",
            help="the test samples for --data, in the same form (default: hold out a fifth "
            "of --data's rows, drawn at random)",
        )
    g.add_argument(
        "--label",
        metavar="NAME",
        help="the column of --data named NAME in its header line holds the class (default: "
        "the last column)",
    )
    return g


def check_data_options(args: argparse.Namespace) -> None:
    """The data options that contradict each other, refused before anything is read."""
    data = getattr(args, "data", None)
    if data is None:
        for flag in ("test", "label"):
            if getattr(args, flag, None) is not None:
                raise UsageError(f"--{flag} goes with --data FILE, your own samples")
        args.dataset = args.dataset or "mnist"
        return
    if args.dataset is not None or args.data_dir is not None:
        raise UsageError("--data FILE replaces --dataset and --data-dir; give one or the other")


def targets_of(cost: str, output_activation: str | None, activation: str) -> str:
    """'values' for a regression (the quadratic cost with an identity output), else 'classes'."""
    output = output_activation or activation
    return "values" if cost == "quadratic" and output == "identity" else "classes"


def _own(args: argparse.Namespace, model: str | None) -> Data:
    from ..io.model import read_classes
    from ..io.tables import read_table

    targets = targets_of(args.cost, args.output_activation, args.activation)
    label = args.label or "last"
    known = None if model is None else read_classes(model)  # the saved network's names
    train = read_table(args.data, label=label, targets=targets, classes=known)  # type: ignore[arg-type]
    if model is not None:
        check_named(train.classes, known, args.data, f"the network in {model} numbers its")
    name = os.path.basename(os.fspath(args.data))
    args.dataset = name
    if getattr(args, "test", None):
        test = read_table(args.test, label=label, targets=targets, classes=train.classes)  # type: ignore[arg-type]
        check_named(test.classes, train.classes, args.test, f"--data {args.data} numbers its")
        if test.X.shape[1] != train.X.shape[1]:
            raise ValueError(
                f"{args.test} has {test.X.shape[1]} input columns but {args.data} has "
                f"{train.X.shape[1]}; give the test samples in the same columns"
            )
        return Data(train.X, train.y, test.X, test.y, classes=train.classes)  # type: ignore[arg-type]
    n = train.X.shape[0]
    n_test = round(TEST_FRACTION * n)
    if n_test < 1 or n - n_test < 1:
        raise ValueError(f"{args.data}: {n} rows, too few to hold out a test set; give --test FILE")
    order = np.random.default_rng(TEST_SEED).permutation(n)
    test_rows, train_rows = order[:n_test], order[n_test:]
    assert train.y is not None  # label "last" or a name: read_table gives targets
    note = (
        f" ({n_test} of {name}'s {n} rows held out at random as the test set; --test FILE "
        "gives your own)"
    )
    X, y = train.X, train.y
    return Data(X[train_rows], y[train_rows], X[test_rows], y[test_rows], note, train.classes)


def check_named(
    found: tuple[str, ...] | None, known: tuple[str, ...] | None, path: Any, source: str
) -> None:
    """Refuse a file that names its classes when the network (or the training data) numbers
    them, ``source`` saying which: the reader refuses the converse."""
    if found is not None and known is None:
        raise ValueError(
            f"{path}: its class column holds names, but {source} classes 0, 1, 2, …; give "
            "the classes as numbers"
        )


def classes_line(classes: tuple[str, ...] | None, most: int = 10) -> str:
    """How the class names became the classes, for the run's header (empty without names).

    Examples
    --------
    >>> classes_line(("setosa", "versicolor", "virginica"))
    'Classes: the names in the class column, sorted: 0 setosa, 1 versicolor, 2 virginica'
    """
    if classes is None:
        return ""
    pairs = [f"{i} {name}" for i, name in enumerate(classes)]
    if len(pairs) > most:
        pairs = [*pairs[: most - 1], "…", pairs[-1]]
    return f"Classes: the names in the class column, sorted: {', '.join(pairs)}"


def load_data(args: argparse.Namespace, model: str | None = None) -> Data:
    """The data the options name, inputs in ``--dtype``; for a saved network's file
    ``model``, a ``--data`` file's class names are that network's."""
    check_data_options(args)
    if args.data is not None:
        data = _own(args, model)
    elif args.dataset == "digits":
        from ..io.digits import load_digits

        data = Data(*load_digits(dtype=args.dtype))
    else:
        from ..io.mnist import load_mnist

        data = Data(
            *load_mnist(args.data_dir, dtype=args.dtype, download=False, given_as="--data-dir")
        )
    dtype = args.dtype or "float32"
    data.X_train = np.ascontiguousarray(data.X_train, dtype=dtype)
    data.X_test = np.ascontiguousarray(data.X_test, dtype=dtype)
    return data


def sizes_for(args: argparse.Namespace, n_features: int, n_outputs: int) -> list[int]:
    """The layer widths: ``--sizes``, checked against the data, or the data's input width,
    ``--hidden`` (default 30) and the data's output width."""
    hidden = getattr(args, "hidden", None)
    if args.sizes and hidden and list(args.sizes[1:-1]) != hidden:
        raise UsageError(
            f"--hidden {_widths(hidden)} and --sizes {_widths(args.sizes)} disagree; give one"
        )
    sizes = list(args.sizes or [n_features, *(hidden or [30]), n_outputs])
    if sizes[0] != n_features or sizes[-1] != n_outputs:
        what = "one output neuron (real-valued targets)" if n_outputs == 1 else f"{n_outputs}"
        raise UsageError(
            f"--sizes {_widths(sizes)} does not fit the {args.dataset} data: the input layer "
            f"needs {n_features} neurons and the output layer {what}; give --hidden "
            f"{_widths(sizes[1:-1]) or 30} and the data set the rest, or --sizes "
            f"{_widths([n_features, *sizes[1:-1], n_outputs])}"
        )
    return sizes


def _widths(sizes: Any) -> str:
    return ",".join(map(str, sizes))
