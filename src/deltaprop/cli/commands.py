"""The work behind each ``deltaprop`` subcommand. Each returns an exit status."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..errors import CommandError
from .advice import seed_or_fresh
from .common import out, reported
from .limits import check_network_memory, gradcheck_seconds
from .train import Job, run

__all__ = ["completion", "gradcheck", "train"]


@reported
def train(args: argparse.Namespace) -> int:
    if getattr(args, "distributed", False):
        from .distributed import train as train_distributed

        return train_distributed(args)
    return run(args, Job())


@reported
def gradcheck(args: argparse.Namespace) -> int:
    from ..insight.gradcheck import gradcheck as run_check
    from ..network import Network

    sizes = args.sizes or [5, 4, 3]
    seed, _ = seed_or_fresh(args.seed)  # printed in the first line
    check_network_memory(sizes, "float64")  # before a MemoryError can be the answer
    net = Network(
        sizes, args.activation, args.output_activation, args.cost, args.init, "float64", seed
    )
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((args.samples, sizes[0]))
    if net.sigmas[-1].output_range == (0.0, 1.0) and sizes[-1] > 1:
        Y: Any = rng.integers(0, sizes[-1], args.samples)  # class labels, one-hot targets
    else:
        Y = rng.uniform(0.1, 0.9, (args.samples, sizes[-1]))
    gradcheck_seconds(lambda: net.cost(X, Y), net.n_parameters)  # said if long, refused if hours
    result = run_check(net, X, Y)
    ok = result.max_error <= args.tolerance
    out(
        args,
        f"gradcheck: {net!r}, {args.samples} samples, seed {seed}\n{result}\n"
        + ("OK" if ok else f"FAILED: above the tolerance {args.tolerance:g}"),
    )
    return 0 if ok else 1


def completion(args: argparse.Namespace) -> int:
    """Print the shell code that completes ``deltaprop`` in ``args.shell`` (argcomplete)."""
    try:
        import argcomplete
    except ImportError:
        raise CommandError(
            "shell completion needs argcomplete: pip install 'deltaprop[completion]'"
        ) from None
    print(argcomplete.shellcode(["deltaprop"], shell=args.shell), end="")
    return 0
