"""``deltaprop train --checkpoint FILE [--resume]``: continuing a run, and stopping one well.

With ``--resume`` the network and training options come from the checkpoint; an option given
on the command line with another value is refused, except ``--epochs`` and ``--eta``, which
change the run (to train longer, or more gently after a divergence). While training, Ctrl-C
and SIGTERM (what batch schedulers send before killing a job) keep the last completed epoch
in the checkpoint and print the command that resumes the run.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from ..errors import DivergenceError, FormatError

#: the options of the optimiser, regularisation, schedule, validation and early stopping
PRACTICE_OPTIONS = ("optimizer", "momentum", "beta1", "beta2", "epsilon", "l2", "l1",
                    "dropout", "schedule", "plateau_patience", "validation_split",
                    "patience")  # fmt: skip
#: options a resumed run takes from the checkpoint (command-line dest names)
RESUMED_OPTIONS = ("sizes", "activation", "output_activation", "cost", "init", "dtype", "seed",
                   "batch_size", "shuffle", "epochs", "eta", *PRACTICE_OPTIONS)  # fmt: skip
_CHANGEABLE = ("epochs", "eta")


def _conflict(dest: str, given: Any, saved: Any) -> str:
    if dest == "shuffle":  # only --no-shuffle can be given
        return "--no-shuffle (the checkpoint's run shuffles)"
    if dest == "sizes":
        given, saved = ",".join(map(str, given)), ",".join(map(str, saved))
    option = "validation" if dest == "validation_split" else dest.replace("_", "-")
    return f"--{option} {given} (the checkpoint has {saved})"


def prepare(args: argparse.Namespace) -> Any:
    """Check the checkpoint options; for a resumed run, set ``args`` from the checkpoint.

    Returns the loaded checkpoint (None for a new run).
    """
    if args.checkpoint_every < 1:
        raise ValueError(f"--checkpoint-every must be positive, got {args.checkpoint_every}")
    if args.resume and not args.checkpoint:
        raise ValueError("--resume needs --checkpoint FILE, the checkpoint to continue from")
    if not args.checkpoint or not Path(args.checkpoint).exists():
        return None
    if not args.resume:
        raise FileExistsError(
            f"checkpoint {args.checkpoint} already exists: add --resume to continue that run, "
            "or remove the file or choose another --checkpoint to start a new one"
        )
    from ..training.checkpoint import load_checkpoint

    ck = load_checkpoint(args.checkpoint)
    net, run = ck.network.config, ck.config
    saved = {"sizes": list(net.sizes), "activation": net.activation,
             "output_activation": net.output_activation, "cost": net.cost, "init": net.init,
             "dtype": net.dtype, "seed": run.seed, "batch_size": run.batch_size,
             "shuffle": run.shuffle, "epochs": run.epochs, "eta": run.eta,
             **{dest: getattr(run, dest) for dest in PRACTICE_OPTIONS}}  # fmt: skip
    conflicts = []
    for dest, value in saved.items():
        given, default = getattr(args, dest), args.option_defaults[dest]
        if given in (default, value):
            setattr(args, dest, value)
        elif dest not in _CHANGEABLE:
            conflicts.append(_conflict(dest, given, value))
    if conflicts:
        raise ValueError(
            f"cannot change {', '.join(conflicts)} when resuming {args.checkpoint}: a resumed "
            "run keeps its network and options (only --epochs and --eta may change); drop "
            "those options, or start a new run with another --checkpoint"
        )
    return ck


def resume_command(args: argparse.Namespace, *extra: str) -> str:
    """The command line that continues this run from its checkpoint."""
    parts = ["deltaprop", "train", "--checkpoint", str(args.checkpoint), "--resume"]
    if args.dataset != "mnist":
        parts += ["--dataset", args.dataset]
    if args.data_dir:
        parts += ["--data-dir", str(args.data_dir)]
    if args.train_samples is not None:
        parts += ["--train-samples", str(args.train_samples)]
    if args.checkpoint_every != 1:
        parts += ["--checkpoint-every", str(args.checkpoint_every)]
    if args.save:
        parts += ["--save", str(args.save)]
    if args.quiet:
        parts.append("--quiet")
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
            print("Interrupted before the first epoch ended: nothing to resume.", file=sys.stderr)
        else:
            print(
                f"Interrupted: {args.checkpoint} holds {epoch} of {args.epochs} epochs. "
                f"Resume with:\n  {resume_command(args)}",
                file=sys.stderr,
                flush=True,
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
            epoch=exc.epoch, batch=exc.batch, eta=exc.eta,
        ) from None  # fmt: skip
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
