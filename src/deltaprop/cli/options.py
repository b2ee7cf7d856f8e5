"""The ``deltaprop`` command's options, with "given" told apart from "not given".

The training options are built from :class:`~deltaprop.training.config.TrainConfig`'s
fields (their help text, group, default and check are declared there, once). Every network
and training option defaults to None on the command line, so a resumed run can tell an
option the user gave (applied if it may change, refused if it differs) from one left out
(taken from the checkpoint); :func:`fill_defaults` then puts in the real defaults.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..core.activations import ACTIVATIONS
from ..core.costs import COSTS
from ..training.config import TrainConfig, options
from ..training.optimizers import OPTIMIZERS
from ..training.schedules import SCHEDULES
from .parser import checked, nonnegative_int

__all__ = [
    "NETWORK_DEFAULTS",
    "TRAINING_OPTIONS",
    "add_network_options",
    "add_training_options",
    "fill_defaults",
    "flag_of",
    "given",
    "network_options",
]

#: the network options and their defaults (``--output-activation``: that of ``--activation``)
NETWORK_DEFAULTS: dict[str, Any] = {
    "sizes": None,
    "activation": "sigmoid",
    "output_activation": None,
    "cost": "quadratic",
    "init": "normal",
    "dtype": "float32",
    "seed": None,
}
#: the training options: every TrainConfig field but the seed (``--seed`` seeds both the
#: weights and the shuffling)
TRAINING_OPTIONS = tuple(f.name for f in options() if f.name != "seed")
_CHOICES = {"optimizer": list(OPTIMIZERS), "schedule": list(SCHEDULES)}


def flag_of(dest: str) -> str:
    """The command-line flag of an option: ``--batch-size`` for ``batch_size``."""
    for f in options():
        if f.name == dest and f.metadata["flag"]:
            return str(f.metadata["flag"])
    return "--" + dest.replace("_", "-")


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


def _hidden(text: str) -> list[int]:
    """--hidden: the hidden layers' widths, such as 30 or 100,30."""
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        widths = [0]
    if min(widths) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated widths of hidden layers such as 30 or 100,30, got {text!r}"
        )
    return widths


def add_network_options(
    p: argparse.ArgumentParser, sizes_help: str, *, dtype: bool = True, hidden: bool = True
) -> None:
    g = p.add_argument_group("network")
    g.add_argument("--sizes", type=_sizes, metavar="N,N,...", help=sizes_help)
    if hidden:
        g.add_argument(
            "--hidden",
            type=_hidden,
            metavar="N,...",
            help="the hidden layers' widths; the input and output layers follow the data "
            "(default: 30)",
        )
    g.add_argument(
        "--activation",
        metavar="NAME",
        choices=[a for a in ACTIVATIONS if a != "softmax"],
        help="σ of the hidden layers: sigmoid, tanh, relu, identity (default: sigmoid)",
    )
    g.add_argument(
        "--output-activation",
        metavar="NAME",
        choices=list(ACTIVATIONS),
        help="σ of the output layer: those and softmax (default: same as --activation)",
    )
    g.add_argument(
        "--cost",
        metavar="NAME",
        choices=list(COSTS),
        help="quadratic, cross-entropy or log-likelihood (cross-entropy with softmax is the "
        "log-likelihood) (default: quadratic)",
    )
    g.add_argument(
        "--init",
        choices=["normal", "scaled"],
        help="initial weights: N(0, 1) or N(0, 1/n_in) (default: normal)",
    )
    if dtype:  # (gradcheck always computes in float64)
        g.add_argument(
            "--dtype",
            choices=["float32", "float64"],
            help="floating-point type of parameters and computation (default: float32)",
        )
    g.add_argument(
        "--seed",
        type=nonnegative_int,
        metavar="N",
        help="seeds the initial weights and the shuffling (default: a fresh seed, printed)",
    )


def add_training_options(p: argparse.ArgumentParser) -> None:
    """One option per TrainConfig field (but the seed), grouped as the fields are."""
    groups: dict[str, Any] = {}
    for f in options():
        if f.name == "seed":
            continue
        meta = f.metadata
        group = groups.get(meta["group"]) or p.add_argument_group(meta["group"])
        groups[meta["group"]] = group
        default = f.default
        shown = (
            "none"
            if default is None
            else f"{default:g}"
            if isinstance(default, float)
            else (str(default))
        )
        kwargs: dict[str, Any] = {
            "dest": f.name,
            "default": None,
            "metavar": meta["metavar"],
            "help": f"{meta['help']} (default: {shown})",
        }
        if isinstance(default, bool):  # only the non-default is a flag: --no-shuffle
            kwargs.update(action="store_const", const=not default, help=meta["flag_help"])
            kwargs.pop("metavar")
        elif f.name in _CHOICES:
            kwargs.update(choices=_CHOICES[f.name])
            kwargs.pop("metavar")
        elif f.name == "validation_split":
            kwargs.update(type=checked(_split, meta["check"], flag_of(f.name)))
        else:
            convert = float if isinstance(default, float) else int
            kwargs.update(type=checked(convert, meta["check"], flag_of(f.name)))
        group.add_argument(flag_of(f.name), **kwargs)


def given(args: argparse.Namespace) -> dict[str, Any]:
    """The network and training options the user gave on the command line."""
    names = [*NETWORK_DEFAULTS, *TRAINING_OPTIONS]
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def fill_defaults(args: argparse.Namespace, training: bool = True) -> None:
    """Put the defaults in for the network (and training) options not given."""
    defaults = dict(NETWORK_DEFAULTS)
    if training:
        defaults.update({f.name: f.default for f in options()})
    for name, value in defaults.items():
        if hasattr(args, name) and getattr(args, name) is None:
            setattr(args, name, value)


def network_options(args: argparse.Namespace) -> tuple[str, str | None, str, str, str]:
    """The network's options from the command line in ``Network``'s and ``NetworkConfig``'s
    order after the sizes: activation, output activation, cost, init, dtype."""
    return args.activation, args.output_activation, args.cost, args.init, args.dtype


def train_config(args: argparse.Namespace, seed: int | None) -> TrainConfig:
    """The TrainConfig the options give (after :func:`fill_defaults`)."""
    return TrainConfig(seed=seed, **{name: getattr(args, name) for name in TRAINING_OPTIONS})
