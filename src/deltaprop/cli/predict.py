"""``deltaprop evaluate``, ``deltaprop predict`` and ``deltaprop download``: a saved network
measured or used on data, and MNIST fetched for the commands that read it."""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .advice import check_model_fits
from .common import out, reported
from .data import LOOKUP, UsageError, check_named, load_data, targets_of
from .outputs import check_file_destination

__all__ = ["add_parsers", "download", "evaluate", "predict"]


def add_parsers(sub: Any, data_options: Callable[..., Any]) -> None:
    """The ``evaluate``, ``predict`` and ``download`` subcommands."""
    p = sub.add_parser(
        "evaluate",
        help="measure a saved network's cost and accuracy on test data or a labelled file",
        description="Load a network saved with --save and report its cost and accuracy on "
        "the test set of --dataset, or on every row of --data FILE (the class last, or "
        "--label NAME).",
    )
    p.add_argument("model", metavar="MODEL.npz", help="a file written by 'deltaprop train --save'")
    data_options(p, test=False)
    p.set_defaults(func=evaluate)

    p = sub.add_parser(
        "predict",
        help="the class a saved network predicts for each row of a file",
        description="One output row per input row: the predicted class (the largest output "
        "neuron, by name when the network was trained on names; for a regression, its value), "
        "and with --proba the output activations a^L. A DATA file with one more column than "
        "the network's inputs is labelled (the class last): the accuracy is printed too.",
    )
    p.add_argument("model", metavar="MODEL.npz", help="a file written by 'deltaprop train --save'")
    p.add_argument("data", metavar="DATA", help="a .csv, .npy or .npz file, one sample per row")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.csv",
        help="write the predictions to OUT.csv (default: print them)",
    )
    p.add_argument(
        "--proba",
        action="store_true",
        help="add the output activations a^L_j, one column per output neuron (headed by the "
        "classes' names when the network keeps them)",
    )
    p.set_defaults(func=predict)

    p = sub.add_parser(
        "download",
        help="fetch MNIST (11 MB) and check its checksums, for the commands that read it",
        description=f"Download the four MNIST files, showing the progress, and check each "
        f"file's MD5. MNIST is looked for in {LOOKUP}.",
    )
    p.add_argument(
        "--data-dir", metavar="DIR", help="put the files in DIR (default: the user cache)"
    )
    p.set_defaults(func=download)


def _targets(net: Any) -> str:
    c = net.config
    return targets_of(c.cost, c.output_activation, c.activation)


def _scores_line(scores: dict[str, Any], what: str) -> str:
    line = f"{what} cost {scores['cost']:.4f}"
    if "correct" in scores:
        line += f", accuracy {scores['correct']} / {scores['n']} ({scores['accuracy']:.2%})"
    return line


def _read(
    args: argparse.Namespace, net: Any, path: Any, **options: Any
) -> tuple[Any, tuple[str, ...] | None]:
    """``read_table`` for ``net`` (its targets; its classes' names when the model file keeps
    them), and those names."""
    from ..io.model import read_classes
    from ..io.tables import read_table

    classes = read_classes(args.model)
    table = read_table(path, targets=_targets(net), classes=classes, **options)  # type: ignore[arg-type]
    check_named(table.classes, classes, path, f"the network in {os.fspath(args.model)} numbers its")
    return table, classes


@reported
def evaluate(args: argparse.Namespace) -> int:
    from ..network import load

    net = load(args.model)
    args.dtype = net.config.dtype
    if args.data is not None:
        if args.dataset is not None or args.data_dir is not None:
            raise UsageError("--data FILE replaces --dataset and --data-dir; give one or the other")
        table, _ = _read(args, net, args.data, label=args.label or "last")
        if table.X.shape[1] != net.sizes[0]:
            raise ValueError(
                f"{args.data}: {table.X.shape[1]} input columns and the class, but "
                f"{os.fspath(args.model)} takes {net.sizes[0]} inputs; give that network's data"
            )
        X, y, what = table.X.astype(args.dtype), table.y, f"{args.data}:"
    else:
        data = load_data(args)
        n_classes = data.n_outputs()
        check_model_fits(net, os.fspath(args.model), args.dataset, data.X_test.shape[1], n_classes)
        X, y, what = data.X_test, data.y_test, "test"
    scores = net.evaluate(X, y)
    out(args, f"{os.fspath(args.model)}: {net!r}\n{_scores_line(scores, what)}")
    return 0


def _prediction_table(
    net: Any, X: np.ndarray, proba: bool, classes: tuple[str, ...] | None
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the output: the class (its name, when the network keeps
    the names) or the value, then with ``proba`` a^L, one column per output neuron."""
    a = np.asarray(net.to_numpy(net.feedforward(X)), dtype=np.float64)  # (n, n_L)
    if _targets(net) == "values":
        columns, first = ["value"], [f"{v:.9g}" for v in a[:, 0]]
    else:
        predicted = np.asarray(net.to_numpy(net.predict(X))).tolist()  # (n,) class labels
        columns = ["class"]
        first = [classes[i] for i in predicted] if classes else [str(i) for i in predicted]
    rows = [[cell] for cell in first]
    if proba:
        columns += list(classes) if classes else [f"a{j}" for j in range(a.shape[1])]
        for row, activations in zip(rows, a):
            row += [f"{v:.9g}" for v in activations]
    return columns, rows


@reported
def predict(args: argparse.Namespace) -> int:
    from ..io.atomic import atomic_write
    from ..network import load

    if args.output is not None:
        check_file_destination("--output", args.output)  # before the work
    net = load(args.model)
    table, classes = _read(args, net, args.data, inputs=net.sizes[0])
    X = table.X.astype(net.config.dtype)
    columns, rows = _prediction_table(net, X, args.proba, classes)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    if args.output is None:
        sys.stdout.write(text.getvalue())
    else:
        with atomic_write(args.output) as file:
            file.write(text.getvalue().encode())
    if table.y is not None:  # a labelled file: how well it did
        scores = net.evaluate(X, table.y)
        stream = sys.stderr if args.output is None else sys.stdout  # keep printed CSV clean
        print(
            _scores_line(scores, f"{args.data} ({table.X.shape[0]} labelled rows):"),
            file=stream,
            flush=True,
        )
    if args.output is not None:
        out(args, f"Wrote {len(rows)} predictions to {args.output}")
    return 0


@reported
def download(args: argparse.Namespace) -> int:
    from ..io.mnist import download_mnist

    directory = download_mnist(args.data_dir, progress=_bar)
    out(args, f"MNIST is in {directory} (four files, their MD5 checked)")
    if args.data_dir is not None:
        out(args, f"Give --data-dir {args.data_dir} to the commands, or set DELTAPROP_DATA")
    return 0


def _bar(name: str) -> Callable[[int, int | None], None]:
    """A progress bar on stderr for one file's download (tqdm, a line per file elsewhere)."""
    from tqdm.auto import tqdm

    bar: list[Any] = []

    def update(done: int, total: int | None) -> None:
        if not bar:
            bar.append(
                tqdm(
                    total=total,
                    desc=name,
                    unit="B",
                    unit_scale=True,
                    leave=True,
                    file=sys.stderr,
                    mininterval=0.2,
                )
            )
        bar[0].update(done - bar[0].n)
        if total is not None and done >= total:
            bar[0].close()

    return update
