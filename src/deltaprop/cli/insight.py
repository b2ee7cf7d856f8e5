"""The insight subcommands: ``diagnose``, ``genie`` and ``plot``, and the monitor, plots and
report options of ``train`` (``--monitor``, ``--plots DIR``, ``--report FILE``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..training.callbacks import Callback
from .commands import _load_data, _out, _reported
from .outputs import check_plot_outputs

AddOptions = Callable[..., None]


# -- train --monitor / --plots / --report ---------------------------------------------------


def add_train_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("insight")
    g.add_argument(
        "--monitor", action="store_true",
        help="record per-layer figures during training (learning speed ‖∂C/∂b‖, saturation, "
        "dead units, update/weight ratio) and print them after each epoch",
    )  # fmt: skip
    g.add_argument(
        "--monitor-every", type=int, metavar="K",
        help="sample every K-th mini-batch (default: about 64 per epoch)",
    )  # fmt: skip
    g.add_argument(
        "--plots", metavar="DIR",
        help="write the run (run.json, network.npz) and its figures (PNG) to DIR; "
        "needs matplotlib",
    )  # fmt: skip
    g.add_argument(
        "--report", metavar="FILE",
        help="write a self-contained HTML training report to FILE; needs matplotlib",
    )  # fmt: skip


class MonitorPrinter(Callback):
    """Prints the monitor's per-layer figures after each epoch's line."""

    def __init__(self, layers: list[int]) -> None:
        self.layers = layers

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        for layer in self.layers:
            parts = [f"  layer {layer}: speed ‖∂C/∂b‖ {logs.get(f'grad_b_l{layer}', 0):.2e}"]
            parts.append(f"‖∂C/∂w‖ {logs.get(f'grad_w_l{layer}', 0):.2e}")
            for key, label in (("saturated", "saturated"), ("dead", "dead")):
                if f"{key}_l{layer}" in logs:
                    parts.append(f"{label} {logs[f'{key}_l{layer}']:.0%}")
            parts.append(f"mean a {logs.get(f'activation_l{layer}', 0):.3f}")
            if f"update_ratio_l{layer}" in logs:
                parts.append(f"update/w {logs[f'update_ratio_l{layer}']:.1e}")
            print(", ".join(parts), flush=True)


class TrainExtras:
    """What ``--monitor``, ``--plots`` and ``--report`` add to ``deltaprop train``.

    Built before the data is loaded, so that a missing matplotlib fails at once, not after an
    hour of training (``outputs.Outputs`` checks the destinations).
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.wanted = bool(args.monitor or args.plots or args.report)
        if args.monitor_every is not None and args.monitor_every <= 0:
            raise ValueError(f"--monitor-every must be positive, got {args.monitor_every}")
        if args.plots or args.report:
            from ..insight.plots import require_matplotlib

            require_matplotlib()
        self.monitor: Any = None

    def callbacks(self, sizes: list[int]) -> tuple[list[Callback], list[Callback]]:
        """(callbacks to run before the epoch printer, callbacks to run after it)."""
        if not self.wanted:
            return [], []
        from ..insight.monitor import Monitor

        self.monitor = Monitor(every=self.args.monitor_every)
        after: list[Callback] = []
        if self.args.monitor and not self.args.quiet:
            after.append(MonitorPrinter(list(range(2, len(sizes) + 1))))
        return [self.monitor], after

    def finish(self, net: Any, history: Any, data: Any, X: Any, y: Any, seed: int) -> None:
        """Record the run, then write the plots directory and the report."""
        args = self.args
        if not (args.plots or args.report):
            return
        from ..insight.run import record_run, save_run

        c = net.config
        config = {
            "sizes": list(c.sizes), "activation": c.activation,
            "output activation": c.output_activation, "cost": c.cost, "init": c.init,
            "dtype": c.dtype, "seed": seed, "dataset": args.dataset,
            "training samples": int(X.shape[0]), "validation samples": int(data.X_test.shape[0]),
            "epochs": args.epochs, "batch size": args.batch_size, "eta": args.eta,
            "shuffle": args.shuffle,
        }  # fmt: skip
        run = record_run(
            net, history, config, validation=(data.X_test, data.y_test),
            diagnosis_data=(X, y), eta=args.eta,
        )  # fmt: skip
        from ..insight.plots import render_pngs

        weights = net.to_numpy(net.weights[0])
        confusion = run.confusion if args.plots else None  # the report shows it as a table
        pngs = render_pngs(run.history, weights=weights, confusion=confusion)
        if args.plots:
            from ..insight.plots import save_plots

            directory = save_run(args.plots, run, net)
            save_plots(directory, run.history, pngs=pngs)
            _out(args, f"Wrote the run and its figures to {directory}")
        if args.report:
            from ..insight.report import write_report

            Path(args.report).parent.mkdir(parents=True, exist_ok=True)  # checked at the start
            write_report(args.report, run, pngs=pngs)
            _out(args, f"Wrote the report to {args.report}")


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
        "--eta", type=float, metavar="η",
        help="learning rate for the update/weight ratio (default: 3.0 for a fresh network, "
        "none for a MODEL)",
    )  # fmt: skip
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
        "--neurons", type=_neurons, metavar="L:J,...",
        help="neurons to nudge as layer:index pairs, e.g. 3:7,2:0 (default: largest |δ|)",
    )  # fmt: skip
    p.add_argument("--dz", type=float, default=1e-3, metavar="Δz", help="default: %(default)g")
    p.add_argument(
        "--top", type=int, default=5, metavar="N", help="neurons to nudge and list as far from "
        "optimal (default: %(default)s)",
    )  # fmt: skip
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
        "--split", default="train", choices=["train", "test"],
        help="which part of the data to use (default: %(default)s)",
    )  # fmt: skip
    g.add_argument(
        "--samples", type=int, default=samples, metavar="N",
        help="use the first N samples of the split (default: %(default)s)",
    )  # fmt: skip


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

    if args.samples <= 0:
        raise ValueError(f"--samples must be positive, got {args.samples}")
    net = None
    if args.model and args.sizes:
        raise ValueError(
            "--sizes describes a fresh network, but MODEL has its own sizes; give one or the other"
        )
    if args.model:
        from ..io.model import load

        net = load(args.model)
        args.dtype = net.config.dtype
    data = _load_data(args)
    X, y = (data.X_train, data.y_train) if args.split == "train" else (data.X_test, data.y_test)
    X, y = X[: args.samples], y[: args.samples]
    if net is None:
        n_classes = int(max(data.y_train.max(), data.y_test.max())) + 1
        sizes = args.sizes or [X.shape[1], 30, n_classes]
        seed = args.seed if args.seed is not None else 0
        net = Network(
            sizes, args.activation, args.output_activation, args.cost, args.init, args.dtype,
            seed,
        )  # fmt: skip
    return net, X, y


@_reported
def diagnose(args: argparse.Namespace) -> int:
    from ..insight.diagnose import diagnose as run_diagnosis

    net, X, y = _network_and_samples(args)
    eta = args.eta if args.eta is not None or args.model else 3.0
    _out(args, str(run_diagnosis(net, X, y, eta=eta, max_samples=None)))
    return 0


@_reported
def genie(args: argparse.Namespace) -> int:
    from ..insight.genie import genie as run_genie

    net, X, y = _network_and_samples(args)
    result = run_genie(net, X, y, neurons=args.neurons, dz=args.dz, top=args.top)
    rows = "sample 0" if X.shape[0] == 1 else f"samples 0 … {X.shape[0] - 1}"
    _out(args, f"{net!r}, {args.split} {rows}\n{result}")
    return 0


@_reported
def plot(args: argparse.Namespace) -> int:
    from ..insight.plots import render_pngs, require_matplotlib, save_plots
    from ..insight.run import load_run

    require_matplotlib()
    check_plot_outputs(args.out or args.run, args.report)  # before reading and drawing
    run, net = load_run(args.run)
    weights = None if net is None else net.to_numpy(net.weights[0])
    out = Path(args.out) if args.out else Path(args.run)
    pngs = render_pngs(run.history, weights=weights, confusion=run.confusion)
    paths = save_plots(out, run.history, pngs=pngs)
    _out(args, "\n".join(f"Wrote {os.fspath(p)}" for p in paths))
    if args.report:
        from ..insight.report import write_report

        write_report(args.report, run, pngs=pngs)
        _out(args, f"Wrote the report to {args.report}")
    return 0
