"""The work behind each ``deltaprop`` subcommand. Each returns an exit status."""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from .advice import check_model_fits, seed_or_fresh
from .common import load_data, out, reported
from .limits import check_network_memory, gradcheck_seconds
from .train import Job, run

__all__ = ["evaluate", "gradcheck", "train"]


@reported
def train(args: argparse.Namespace) -> int:
    if getattr(args, "distributed", False):
        from .distributed import train as train_distributed

        return train_distributed(args)
    return run(args, Job())


@reported
def evaluate(args: argparse.Namespace) -> int:
    from ..network import load

    net = load(args.model)
    args.dtype = net.config.dtype
    data = load_data(args)
    n_classes = int(max(data.y_train.max(), data.y_test.max())) + 1
    check_model_fits(net, os.fspath(args.model), args.dataset, data.X_test.shape[1], n_classes)
    scores = net.evaluate(data.X_test, data.y_test)
    line = f"{os.fspath(args.model)}: {net!r}\ntest cost {scores['cost']:.4f}"
    if "correct" in scores:
        line += f", accuracy {scores['correct']} / {scores['n']} ({scores['accuracy']:.2%})"
    out(args, line)
    return 0


@reported
def gradcheck(args: argparse.Namespace) -> int:
    from ..insight.gradcheck import gradcheck as run_check
    from ..network import Network

    sizes = args.sizes or [5, 4, 3]
    seed, _ = seed_or_fresh(args.seed)  # printed in the first line
    if args.samples <= 0:
        raise ValueError(f"--samples must be positive, got {args.samples}")
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
