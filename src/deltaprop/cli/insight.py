"""The insight subcommands: ``diagnose``, ``genie`` and ``plot``, and the monitor, plots and
report options of ``train`` (``--monitor``, ``--plots DIR``, ``--report FILE``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .advice import check_model_fits, fresh_seed_line, seed_or_fresh
from .common import out, reported
from .data import UsageError, load_data, sizes_for
from .options import network_options
from .outputs import check_plot_outputs
from .parser import positive_int
from .train_extras import TrainExtras, add_train_options

__all__ = ["TrainExtras", "add_parsers", "add_train_options"]

AddOptions = Callable[..., Any]


# -- deltaprop diagnose / genie / plot --------------------------------------------------------


def add_parsers(sub: Any, network_options: AddOptions, data_options: AddOptions) -> None:
    p = sub.add_parser(
        "diagnose",
        help="show how each layer of a network is placed to learn, and why (BP1–BP4)",
        description="One forward and backward pass over some data: per layer, mean |δ|, "
        "‖∂C/∂w‖ and ‖∂C/∂b‖ (learning speed), saturation, dead units, mean activation and "
        "update/weight ratio, then findings in plain language tied to BP1–BP4. Diagnoses "
        "MODEL, or without one a fresh network built from the network options.",
    )
    _add_model_and_samples(p, network_options, data_options, samples=1000)
    p.add_argument(
        "--eta",
        type=float,
        metavar="η",
        help="learning rate for the update/weight ratio (default: 3.0 for a fresh network, "
        "none for a MODEL)",
    )
    p.set_defaults(func=diagnose)

    p = sub.add_parser(
        "genie",
        help="the thought experiment: nudge z^l_j by Δz and compare ΔC with δ^l_j·Δz",
        description="A genie adds Δz to the weighted input z^l_j of a neuron and the cost "
        "changes by about δ^l_j·Δz. This runs it on a real network and sample(s): measured ΔC "
        "beside δ·Δz, the neurons furthest from optimal (largest |δ|), and those the genie "
        "cannot help (δ ≈ 0 because saturated).",
    )
    _add_model_and_samples(p, network_options, data_options, samples=1)
    p.add_argument(
        "--neurons",
        type=_neurons,
        metavar="L:J,...",
        help="neurons to nudge as layer:index pairs, e.g. 3:7,2:0 (default: largest |δ|)",
    )
    p.add_argument("--dz", type=float, default=1e-3, metavar="Δz", help="default: %(default)g")
    p.add_argument(
        "--top",
        type=positive_int,
        default=5,
        metavar="N",
        help="neurons to nudge and list as far from optimal (default: %(default)s)",
    )
    p.set_defaults(func=genie)

    p = sub.add_parser(
        "plot",
        help="draw the figures of a run written by 'train --plots DIR'",
        description="Read DIR/run.json (and DIR/network.npz) and write the figures as PNG "
        "files: cost and accuracy per epoch, learning speed and saturation per layer, the "
        "first layer's weights, the confusion matrix.",
    )
    p.add_argument("run", metavar="DIR", help="a directory written by 'deltaprop train --plots'")
    p.add_argument("--out", metavar="DIR", help="write the PNG files here (default: DIR)")
    p.add_argument("--report", metavar="FILE", help="also write the HTML report to FILE")
    p.set_defaults(func=plot)


def _add_model_and_samples(
    p: argparse.ArgumentParser, network_options: AddOptions, data_options: AddOptions, samples: int
) -> None:
    p.add_argument("model", nargs="?", metavar="MODEL.npz", help="a saved network (optional)")
    network_options(p, "layer widths of a fresh network (default: n_features,30,n_classes)")
    data_options(p)
    g = p.add_argument_group("samples")
    g.add_argument(
        "--split",
        default="train",
        choices=["train", "test"],
        help="which part of the data to use (default: %(default)s)",
    )
    g.add_argument(
        "--samples",
        type=positive_int,
        default=samples,
        metavar="N",
        help="use the first N samples of the split (default: %(default)s)",
    )


def _neurons(text: str) -> list[tuple[int, int]]:
    try:
        pairs = [tuple(int(v) for v in item.split(":")) for item in text.split(",")]
    except ValueError:
        pairs = []
    if not pairs or any(len(p) != 2 for p in pairs):
        raise argparse.ArgumentTypeError(
            f"expected layer:neuron pairs such as 3:7,2:0, got {text!r}"
        )
    return [(p[0], p[1]) for p in pairs]


def _network_and_samples(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The network (MODEL, or a fresh one from the options) and the first N samples."""
    from ..network import Network

    net = None
    if args.model and args.sizes:
        raise UsageError(
            "--sizes describes a fresh network, but MODEL has its own sizes; give one or the other"
        )
    if args.model:
        from ..network import load

        net = load(args.model)
        args.dtype = net.config.dtype
    data = load_data(args, args.model)
    X, y = (data.X_train, data.y_train) if args.split == "train" else (data.X_test, data.y_test)
    X, y = X[: args.samples], y[: args.samples]
    n_classes = data.n_outputs()
    if net is not None:
        check_model_fits(net, args.model, args.dataset, X.shape[1], n_classes)
    else:
        sizes = sizes_for(args, X.shape[1], n_classes)
        seed, drawn = seed_or_fresh(args.seed)
        if drawn:
            out(args, fresh_seed_line(seed))
        net = Network(sizes, *network_options(args), seed)
    return net, X, y


@reported
def diagnose(args: argparse.Namespace) -> int:
    from ..insight.diagnose import diagnose as run_diagnosis

    net, X, y = _network_and_samples(args)
    eta = args.eta if args.eta is not None or args.model else 3.0
    trained = bool(args.model)  # a saved network has been trained; a fresh one has not
    out(args, str(run_diagnosis(net, X, y, eta=eta, max_samples=None, trained=trained)))
    return 0


@reported
def genie(args: argparse.Namespace) -> int:
    from ..insight.genie import genie as run_genie

    net, X, y = _network_and_samples(args)
    result = run_genie(net, X, y, neurons=args.neurons, dz=args.dz, top=args.top)
    rows = "sample 0" if X.shape[0] == 1 else f"samples 0 … {X.shape[0] - 1}"
    out(args, f"{net!r}, {args.split} {rows}\n{result}")
    return 0


@reported
def plot(args: argparse.Namespace) -> int:
    from ..insight.plots import render_pngs, require_matplotlib, save_plots
    from ..insight.run import load_run

    require_matplotlib()
    check_plot_outputs(args.out or args.run, args.report)  # before reading and drawing
    run, net = load_run(args.run)
    weights = None if net is None else net.to_numpy(net.weights[0])
    directory = Path(args.out) if args.out else Path(args.run)
    pngs = render_pngs(
        run.history,
        weights=weights,
        confusion=run.confusion,
        trace=run.trace,
        confusion_data=run.confusion_data,
    )
    paths = save_plots(directory, run.history, pngs=pngs)
    out(args, "\n".join(f"Wrote {os.fspath(p)}" for p in paths))
    if args.report:
        from ..insight.report import write_report

        write_report(args.report, run, pngs=pngs)
        out(args, f"Wrote the report to {args.report}")
    return 0
