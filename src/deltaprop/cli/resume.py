"""``deltaprop train --checkpoint FILE [--resume]``: continuing a run, and stopping one well.

With ``--resume`` the network and training options come from the checkpoint; an option given
on the command line with another value is refused, naming it and both values, except those
TrainConfig marks changeable (``--epochs`` and ``--eta``), which change the run (to train
longer, or more gently after a divergence). While training, Ctrl-C
and SIGTERM (what batch schedulers send before killing a job) keep the last completed epoch
in the checkpoint and print the command that resumes the run.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from ..errors import DivergenceError, FormatError
from ..training.config import options
from .common import say
from .data import UsageError
from .options import TRAINING_OPTIONS, fill_defaults, flag_of, given


def _shown(dest: str, value: Any) -> str:
    return ",".join(map(str, value)) if dest == "sizes" else str(value)


def _conflict(dest: str, given: Any, saved: Any) -> str:
    if dest == "shuffle":  # only --no-shuffle can be given
        return "--no-shuffle (the checkpoint's run shuffles)"
    return f"{flag_of(dest)} {_shown(dest, given)} (the checkpoint has {_shown(dest, saved)})"


def prepare(args: argparse.Namespace) -> Any:
    """Check the checkpoint options and fill in the options not given: for a resumed run
    from the checkpoint, else the defaults. Returns the loaded checkpoint (None for a new run).

    An option given on the command line is applied if it may change (``--epochs``, ``--eta``)
    and refused, naming it and both values, if it differs from the checkpoint's.
    """
    if args.resume and not args.checkpoint:
        raise UsageError("--resume needs --checkpoint FILE, the checkpoint to continue from")
    if not args.checkpoint or not Path(args.checkpoint).exists():
        fill_defaults(args)
        return None
    if not args.resume:
        raise FileExistsError(
            f"checkpoint {args.checkpoint} already exists: add --resume to continue that run, "
            "or remove the file or choose another --checkpoint to start a new one"
        )
    from ..training.checkpoint import load_checkpoint

    ck = load_checkpoint(args.checkpoint)
    net = ck.network.config
    saved = {
        "sizes": list(net.sizes),
        "activation": net.activation,
        "output_activation": net.output_activation,
        "cost": net.cost,
        "init": net.init,
        "dtype": net.dtype,
        "seed": ck.config.seed,
        **{dest: getattr(ck.config, dest) for dest in TRAINING_OPTIONS},
    }
    user = given(args)
    changeable = [f.name for f in options() if f.metadata["changeable"]]  # in field order
    conflicts = [
        _conflict(dest, value, saved[dest])
        for dest, value in user.items()
        if dest not in changeable and value != saved[dest]
    ]
    if conflicts:
        raise ValueError(
            f"cannot change {', '.join(conflicts)} when resuming {args.checkpoint}: a resumed "
            f"run keeps its network and options (only {', '.join(map(flag_of, changeable))} "
            "may change); drop those options, or start a new run with another --checkpoint"
        )
    for dest, value in saved.items():
        if dest not in user:
            setattr(args, dest, value)
    return ck


def resume_command(args: argparse.Namespace, *extra: str) -> str:
    """The command line that continues this run from its checkpoint (the whole MPI job's
    for a distributed run): only what the checkpoint does not hold, the data and where the
    network goes; its network and training options (--epochs included) come from it."""
    parts = ["deltaprop", "train", "--checkpoint", str(args.checkpoint), "--resume"]
    if getattr(args, "distributed", False):
        parts = ["mpiexec", "-n", str(getattr(args, "processes", 1)), *parts, "--distributed"]
        if args.timeout != 300.0:
            parts += ["--timeout", f"{args.timeout:g}"]
    for flag, dest in (
        ("--data", "data"),
        ("--test", "test"),
        ("--label", "label"),
        ("--data-dir", "data_dir"),
        ("--train-samples", "train_samples"),
    ):
        if getattr(args, dest, None) is not None:
            parts += [flag, str(getattr(args, dest))]
    if getattr(args, "data", None) is None and args.dataset not in (None, "mnist"):
        parts += ["--dataset", args.dataset]
    if args.checkpoint_every != 1:
        parts += ["--checkpoint-every", str(args.checkpoint_every)]
    if args.save:
        parts += ["--save", str(args.save)]
    return shlex.join([*parts, *extra])


def saved_epoch(path: str) -> int | None:
    """The epochs completed in the checkpoint at ``path`` (None if there is none)."""
    from ..training.checkpoint import load_checkpoint

    try:
        return load_checkpoint(path).state.epoch
    except (OSError, FormatError):
        return None


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def checkpointed(args: argparse.Namespace) -> Iterator[None]:
    """Around training with ``--checkpoint``: on Ctrl-C or SIGTERM, say how to resume; on a
    divergence, add how to resume from the last good epoch with a smaller learning rate."""
    if not args.checkpoint:
        yield
        return
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        yield
    except KeyboardInterrupt:
        epoch = saved_epoch(args.checkpoint)
        if epoch is None:
            say("Interrupted before the first epoch ended: nothing to resume.")
        else:
            say(
                f"Interrupted: {args.checkpoint} holds {epoch} of {args.epochs} epochs. "
                f"Resume with:\n  {resume_command(args)}"
            )
        raise
    except DivergenceError as exc:
        epoch = saved_epoch(args.checkpoint)
        if epoch is None:
            raise
        hint = resume_command(args, "--eta", f"{exc.eta / 10:g}")
        raise DivergenceError(
            f"{exc} The checkpoint {args.checkpoint} keeps epoch {epoch}, the last good one; "
            f"to continue from it with a smaller learning rate: {hint}",
            epoch=exc.epoch,
            batch=exc.batch,
            eta=exc.eta,
        ) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
