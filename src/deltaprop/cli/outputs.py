"""Where ``deltaprop train`` writes, and how nothing it trained is lost on the way out.

- :class:`Outputs` checks every destination (``--save``, ``--checkpoint``, ``--plots``,
  ``--report``) before the data are loaded: a name that cannot become a file, a directory
  that does not exist or cannot be written, a file name too long, ``--save`` onto the
  checkpoint. The ``--plots`` directory (made at the end) may hold the report, so
  ``--plots run1 --report run1/report.html`` works. If saving the network still fails at
  the end (the disk filled up, the directory went away), it is written beside the
  destination or to the temporary directory, and the message says where.
- :class:`Interruption`: Ctrl-C (or SIGTERM) while training without ``--checkpoint`` lets the
  current mini-batch step finish, puts back the weights of the last completed epoch, and
  lets the command write what was asked (network, plots, report) for the epochs done; a
  second Ctrl-C stops at once.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import NAME_MAX, resolve_destination
from ..training.callbacks import Callback
from .common import out, say

_OPTIONS = {"save": "--save", "checkpoint": "--checkpoint", "report": "--report"}


def _writable_directory(directory: Path, option: str, target: str) -> None:
    """Check that ``directory`` is, or can be made as, a directory this process writes in."""
    existing = directory
    while not existing.exists():  # the nearest ancestor that exists will hold the new ones
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(
            f"{option} {target}: {existing} is a file, not a directory; choose another path"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(
            f"{option} {target}: cannot write in {existing} (read-only file system or no "
            "permission); choose a directory you can write to"
        )


def check_file_destination(option: str, target: str, made: Path | None = None) -> Path:
    """The file ``target`` will replace, after checking that it can be written.

    Its directory must exist, or be ``made`` (the ``--plots`` directory, made first).
    """
    name = Path(target).name
    size = len(name.encode("utf-8", "surrogateescape"))
    if size > NAME_MAX:
        raise ValueError(
            f"{option}: the file name {name[:40]}… is {size} bytes long, more than the "
            f"{NAME_MAX} a file system allows; choose a shorter name"
        )
    try:
        path = resolve_destination(target)  # an empty name or a directory: a clear error
    except (ValueError, IsADirectoryError) as exc:
        raise type(exc)(f"{option}: {exc}") from None
    parent = path.parent
    if not parent.exists() and (made is None or os.path.abspath(parent) != os.path.abspath(made)):
        raise FileNotFoundError(
            f"{option} {target}: directory {parent} does not exist; create it first, or "
            "choose another path"
        )
    _writable_directory(parent, option, target)
    return path


def check_plot_outputs(directory: str, report: str | None) -> None:
    """``deltaprop plot``: the figures' directory and the report, before anything is drawn."""
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"--out {directory}: exists and is not a directory")
    _writable_directory(out, "--out", directory)
    if report is not None:
        check_file_destination("--report", report, made=out)


class Outputs:
    """The destinations of a ``deltaprop train`` command, checked at construction."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.failed: str | None = None
        plots = Path(args.plots) if getattr(args, "plots", None) is not None else None
        if plots is not None:
            if plots.exists() and not plots.is_dir():
                raise FileExistsError(f"--plots {args.plots}: exists and is not a directory")
            _writable_directory(plots, "--plots", args.plots)
        files: dict[str, Path] = {}
        for dest, option in _OPTIONS.items():
            target = getattr(args, dest, None)
            if target is not None:  # "" included: it names no file
                # the checkpoint's directories are made for it; the report may go in --plots
                made = Path(target).parent if dest == "checkpoint" else plots
                files[option] = check_file_destination(option, os.fspath(target), made)
        seen: dict[str, str] = {}
        for option, path in files.items():
            real = os.path.realpath(path)
            if real in seen:
                raise ValueError(
                    f"{seen[real]} and {option} name the same file {path}: one would overwrite "
                    "the other; give them different files"
                )
            seen[real] = option

    def save_network(self, net: Any, classes: tuple[str, ...] | None = None) -> None:
        """Write the network (and the names of its classes) to ``--save``, or, failing that,
        beside it or to the temporary directory, saying where."""
        if not self.args.save:
            return
        target = Path(self.args.save)
        try:
            _save(net, target, classes)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            name = f"{target.stem}.{os.getpid()}{target.suffix or '.npz'}"
            for fallback in (target.with_name(name), Path(tempfile.gettempdir()) / name):
                try:
                    _save(net, fallback, classes)
                except OSError:
                    continue
                self.failed = (
                    f"could not write the network to {target} ({reason}); it was written to "
                    f"{fallback} instead"
                )
                print(f"deltaprop train: {self.failed}", file=sys.stderr, flush=True)
                return
            raise
        out(self.args, f"Saved the network to {target}")


def _save(net: Any, path: Path, classes: tuple[str, ...] | None) -> None:
    """``net.save(path)``, with the class names in the model file when there are some."""
    if classes is None:
        net.save(path)
        return
    from ..io.model import write_model

    weights = [net.to_numpy(w) for w in net.weights]
    write_model(path, net.config, weights, [net.to_numpy(b) for b in net.biases], classes)


class Interruption(Callback):
    """Turns Ctrl-C and SIGTERM during :meth:`fit` into a stop after the current step.

    Active only without ``--checkpoint`` (with one, the checkpoint keeps the last epoch and
    the command says how to resume) and in the main thread, where signals are delivered.
    """

    def __init__(self, args: argparse.Namespace, active: bool = True) -> None:
        self.active = (
            active and not args.checkpoint and threading.current_thread() is threading.main_thread()
        )
        self.requested = False
        self.interrupted = False
        self.where = ""
        self._trainer: Any = None
        self._good: list[np.ndarray] = []  # the parameters at the end of the last epoch

    def on_train_begin(self, trainer: Any) -> None:
        self._trainer = trainer

    every_batch = False  # an epoch compiled whole (backend "jax") stops at its end instead

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        net = self._trainer.model
        self._good = [np.array(net.to_numpy(p)) for p in [*net.weights, *net.biases]]
        if (
            self.requested
        ):  # asked during the epoch's last steps, its measuring, or a compiled epoch
            self.where = f"after epoch {epoch}"
            raise KeyboardInterrupt

    def on_batch_end(self, step: Any) -> None:
        if self.requested:
            self.where = f"in epoch {step.epoch} after mini-batch {step.batch} of {step.n_batches}"
            raise KeyboardInterrupt

    def _request(self, signum: int, frame: Any) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C: at once

    def fit(self, fit: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fit(*args, **kwargs)``; after Ctrl-C, the history of the epochs done."""
        if not self.active:
            return fit(*args, **kwargs)
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), self]
        previous = {s: signal.signal(s, self._request) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            return fit(*args, **kwargs)
        except KeyboardInterrupt:
            trainer = self._trainer
            if trainer is None or not len(trainer.state.history):
                say("Interrupted before the first epoch ended: nothing written.")
                raise
            net = trainer.model
            for p, good in zip([*net.weights, *net.biases], self._good):
                p[...] = good if net.xp is np else net.xp.asarray(good)
            self.interrupted = True
            epochs = len(trainer.state.history)
            say(
                f"Interrupted {self.where or 'during training'}: writing what was asked for "
                f"the {epochs} epoch(s) done, with the weights of epoch {epochs}"
            )
            return trainer.state.history
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def exit_status(self, outputs: Outputs) -> int:
        """130 after an interruption, 1 if the network went elsewhere than asked, else 0."""
        if self.interrupted:
            return 130
        return 1 if outputs.failed else 0
