"""The options ``--monitor``, ``--plots DIR`` and ``--report FILE`` of ``deltaprop train``:
the monitor's lines, the run's figures and the HTML report, kept up to date while it runs."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..training.callbacks import Callback
from .common import out
from .parser import positive_int
from .progress import MonitorPrinter

# -- train --monitor / --plots / --report ---------------------------------------------------


def add_train_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("insight")
    g.add_argument(
        "--monitor",
        action="store_true",
        help="record per-layer figures during training (learning speed ‖∂C/∂b‖, saturation, "
        "dead units, update/weight ratio) and print them after each epoch",
    )
    g.add_argument(
        "--monitor-every",
        type=positive_int,
        metavar="K",
        help="sample every K-th mini-batch (default: about 64 per epoch)",
    )
    g.add_argument(
        "--plots",
        metavar="DIR",
        help="write the run (run.json, network.npz) and its figures (PNG) to DIR; needs matplotlib",
    )
    g.add_argument(
        "--report",
        metavar="FILE",
        help="write a self-contained HTML training report to FILE; needs matplotlib",
    )


class TrainExtras:
    """What ``--monitor``, ``--plots`` and ``--report`` add to ``deltaprop train``.

    Built before the data is loaded, so that a missing matplotlib or a report directory that
    does not exist fails at once, not after an hour of training. The report is rewritten
    while the run goes on (:class:`~deltaprop.insight.live.LiveReport`), and once more, whole,
    when it ends or is interrupted.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.wanted = bool(args.monitor or args.plots or args.report)
        if args.plots or args.report:
            from ..insight.plots import require_matplotlib

            require_matplotlib()
        self.monitor: Any = None
        self.live: Any = None
        self._context: tuple[Any, ...] | None = None

    def callbacks(self, sizes: list[int]) -> tuple[list[Callback], list[Callback]]:
        """(callbacks to run before the epoch printer, callbacks to run after it)."""
        if not self.wanted:
            return [], []
        from ..insight.monitor import Monitor

        self.monitor = Monitor(every=self.args.monitor_every)
        after: list[Callback] = []
        if self.args.monitor and not self.args.quiet:
            after.append(MonitorPrinter(list(range(2, len(sizes) + 1))))
        if self.args.report and getattr(self.args, "printing", True):  # (rank 0 of a job)
            from ..insight.live import LiveReport

            # the report may go in the --plots directory, made here (its place was checked)
            Path(self.args.report).parent.mkdir(parents=True, exist_ok=True)
            self.live = LiveReport(self.args.report, monitor=self.monitor)
            after.append(self.live)
        return [self.monitor], after

    def start(self, net: Any, data: Any, X: Any, y: Any, seed: int, config: Any) -> None:
        """Before training: what the run is, for the report (X, y: the rows before any
        validation rows are held out; ``config``: the TrainConfig)."""
        import dataclasses

        args, c = self.args, net.config
        n_val = config.n_validation(X.shape[0])
        # keys are field names (run.json); the report shows them with spaces
        settings = {
            "sizes": list(c.sizes),
            "activation": c.activation,
            "output_activation": c.output_activation,
            "cost": c.cost,
            "init": c.init,
            "dtype": c.dtype,
            "seed": seed,
            "dataset": args.dataset,
            "training_samples": int(X.shape[0]) - n_val,
            "validation_samples": n_val,
            "test_samples": int(data.X_test.shape[0]),
            "measured_after_each_epoch": "validation data" if n_val else "test data",
        }
        for field in dataclasses.fields(config):
            if field.name != "seed":
                settings[field.name] = getattr(config, field.name)
        settings["monitor_every"] = args.monitor_every or "about 64 mini-batches an epoch"
        if self.live is not None:
            self.live.config = settings
        self._context = (net, data, X[: X.shape[0] - n_val], y[: X.shape[0] - n_val], settings)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Around training: after Ctrl-C, write the report and plots of the epochs done."""
        try:
            yield
        except KeyboardInterrupt:
            if self.live is not None and self.live.trainer is not None:
                done = len(self.live.trainer.state.history)
                self.finish(self.live.trainer.state.history, f"interrupted after epoch {done}")
            raise

    def finish(self, history: Any, status: str | None = None) -> None:
        """Record the run, then write the plots directory and the report."""
        args = self.args
        if not (args.plots or args.report) or self._context is None:
            return
        from ..insight.plots import render_pngs
        from ..insight.run import record_run, save_run

        net, data, X, y, settings = self._context
        trace = self.monitor.trace_history() if self.monitor is not None else None
        run = record_run(
            net,
            history,
            settings,
            validation=(data.X_test, data.y_test),
            diagnosis_data=(X, y),
            eta=args.eta,
            trace=trace,
            confusion_data="test",
        )
        run.test_scores = net.evaluate(data.X_test, data.y_test)
        weights = net.to_numpy(net.weights[0])
        confusion = run.confusion if args.plots else None  # the report shows it as a table
        pngs = render_pngs(
            run.history, weights=weights, confusion=confusion, trace=trace, confusion_data="test"
        )
        if args.plots:
            from ..insight.plots import save_plots

            directory = save_run(args.plots, run, net)
            save_plots(directory, run.history, pngs=pngs)
            out(args, f"Wrote the run and its figures to {directory}")
        if args.report:
            from ..insight.report import write_report

            write_report(args.report, run, pngs=pngs, status=status)
            out(args, f"Wrote the report to {args.report}")
